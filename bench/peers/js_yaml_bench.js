// js-yaml's load of the block-style YAML copy of the 10,000-key config, the peer of hotreload::parse
// (YAML, through yaml-cpp), which also records every node's line and column. Checked first: the
// YAML holds the same values as the JSON text.
'use strict';

const yaml = require('js-yaml');
const { options, input, same, version, measure, report } = require('./measure');

const settings = options();
const text = input(settings.inputs, 'config.yaml');
same('config.yaml, loaded, against config.json', yaml.load(text), JSON.parse(input(settings.inputs, 'config.json')));
report('js_yaml', version('js-yaml'), { parse: measure(() => yaml.load(text), settings) }, settings);
