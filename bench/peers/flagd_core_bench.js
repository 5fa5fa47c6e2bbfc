// @openfeature/flagd-core (the in-process evaluator of flagd's JavaScript providers) on the flag
// file and contexts of flagd_bench: the 3-condition targeting rule over 64 contexts and the 4-way
// fractional split over 1,024 targeting keys, cycled in the same order as peers_bench does. Checked
// first: every value equals hotreload's.
'use strict';

const { FlagdCore } = require('@openfeature/flagd-core');
const { options, input, same, version, measure, report } = require('./measure');

const settings = options();
const expected = JSON.parse(input(settings.inputs, 'expected.json'));
const contexts = JSON.parse(input(settings.inputs, 'contexts.json'));
const core = new FlagdCore();
core.setConfigurations(input(settings.inputs, 'flags.json'));

const targeting = contexts.targeting;
const fractional = contexts.fractional.map((key) => ({ targetingKey: key }));
same('eu-pro per context', targeting.map((c) => core.resolveBooleanEvaluation('eu-pro', false, c).value), expected.targeting);
same('split per targeting key', fractional.map((c) => core.resolveStringEvaluation('split', 'a', c).value), expected.fractional);

const targetingMask = targeting.length - 1, fractionalMask = fractional.length - 1;  // powers of two
report('flagd_core', version('@openfeature/flagd-core'), {
  targeting: measure((i) => core.resolveBooleanEvaluation('eu-pro', false, targeting[i & targetingMask]).value, settings),
  fractional: measure((i) => core.resolveStringEvaluation('split', 'a', fractional[i & fractionalMask]).value, settings),
}, settings);
