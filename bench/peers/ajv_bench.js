// ajv 8 validating the 10,000-key config against its draft-07 schema, every error collected
// (allErrors: true, what Schema::validate does) and pass/fail only (stops at the first, what
// Schema::is_valid does). Checked first: no error on the valid config, and on the invalid one the
// errors hotreload reports (same instance paths, same keywords). Positions are hotreload's extra.
'use strict';

const Ajv = require('ajv');
const { options, input, same, fail, version, measure, report } = require('./measure');

const settings = options();
const expected = JSON.parse(input(settings.inputs, 'expected.json'));
const schema = JSON.parse(input(settings.inputs, 'schema.json'));
const valid = JSON.parse(input(settings.inputs, 'config.json'));
const invalid = JSON.parse(input(settings.inputs, 'config-invalid.json'));
const allErrors = new Ajv({ allErrors: true }).compile(schema);
const passFail = new Ajv({ allErrors: false }).compile(schema);

// hotreload's dotted path and keyword; ajv names an unknown key's parent and the key apart.
function errors(validate, config) {
  if (validate(config)) return [];
  return validate.errors.map((error) => {
    const keys = error.instancePath.split('/').slice(1).map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (error.keyword === 'additionalProperties') keys.push(error.params.additionalProperty);
    return { path: keys.join('.'), keyword: error.keyword };
  });
}

const byPath = (a, b) => a.path.localeCompare(b.path) || a.keyword.localeCompare(b.keyword);
same('errors of the valid config', errors(allErrors, valid), expected.valid_errors);
same('errors of the invalid config', errors(allErrors, invalid).sort(byPath), [...expected.invalid_errors].sort(byPath));
if (!passFail(valid) || passFail(invalid)) fail('pass/fail: ajv disagrees with hotreload on a config');

report('ajv', version('ajv'), {
  validate_all_errors: { keys: expected.keys, ...measure(() => allErrors(valid), settings) },
  validate_pass_fail: { keys: expected.keys, ...measure(() => passFail(valid), settings) },
}, settings);
