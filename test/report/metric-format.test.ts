import assert from 'node:assert/strict';
import { it } from 'node:test';
import { metricDomain } from '../../src/report/metric-axis.js';
import { metricColumnTexts } from '../../src/report/metric-format.js';

it('a CSV column is rounded as the report prints it, with more decimals only where values would print alike', () => {
  assert.deepEqual(metricColumnTexts('test_loss', [0.08007513732910156, 0.1234567, null]), ['0.0801', '0.1235', '']);
  // 0.08007… and 0.08012 are both 0.0801 at 4 decimals: the column takes 5, so that it still sorts as ranked.
  assert.deepEqual(metricColumnTexts('test_loss', [0.08007513732910156, 0.08012, 0.3]), ['0.08008', '0.08012', '0.30000']);
  // Equal values stay equal; they are not a reason for more decimals.
  assert.deepEqual(metricColumnTexts('test_accuracy', [0.9731, 0.9731]), ['0.9731', '0.9731']);
  assert.deepEqual(metricColumnTexts('duration_s', [12.345, 3]), ['12.3', '3.0']);
  assert.deepEqual(metricColumnTexts('params', [41994, 83274]), ['41994', '83274']);
});

it('a metric axis is zoomed to the values, within what the metric can take, never of zero width', () => {
  const [lo, hi] = metricDomain('test_accuracy', [0.957, 0.973]);
  assert.ok(lo > 0.95 && lo < 0.957 && hi > 0.973 && hi < 0.98, `${lo}..${hi}`);
  assert.deepEqual(metricDomain('test_accuracy', [1, 0.999]).map((v) => v <= 1), [true, true]);
  const [a, b] = metricDomain('test_accuracy', [0.91]);
  assert.ok(a < 0.91 && b > 0.91, `${a}..${b}`);
  const [c, d] = metricDomain('test_accuracy', [1]);
  assert.ok(c < 1 && d === 1, `${c}..${d}`);
  assert.ok(metricDomain('test_loss', [0, 0.01])[0] >= 0);
});
