// Node's built-in JSON.parse of the 10,000-key config's text, the peer of hotreload::parse (JSON),
// which also records every node's line and column: positions are hotreload's extra.
'use strict';

const { options, input, measure, report } = require('./measure');

const settings = options();
const text = input(settings.inputs, 'config.json');
report('json_parse', process.version, { parse: measure(() => JSON.parse(text), settings) }, settings);
