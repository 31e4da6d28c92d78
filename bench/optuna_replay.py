#!/usr/bin/python3
"""Replays a recorded learning-curve table with Optuna's TPESampler and SuccessiveHalvingPruner.

The table holds every configuration of a grid with its per-epoch curves, so a search can be run
against it without training: each trial looks its row up and reports the recorded values epoch by
epoch. Optuna then faces exactly the data convsweep's own samplers face, under the same epoch
budget, and the two can be compared on search efficiency alone.

    /usr/bin/python3 bench/optuna_replay.py TABLE.json [--seeds 20] [--budgets 0.05,0.10,0.25]
        [--out results.json]

Writes {"peer", "table", "table_best", "runs": [{"seed", "budget", "budget_epochs", "best",
"trials", "epochs"}]} to --out (stdout without it) and one summary line per budget to stderr.
Exit codes: 0 done, 2 bad arguments or table, 3 Optuna missing (the calling benchmark skips).
"""

import json
import math
import os
import sys

# TPE's numpy work is tiny; a threaded BLAS would only contend for cores shared with other jobs.
for _var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

PROG = 'optuna_replay'
USAGE = 'usage: optuna_replay.py TABLE.json [--seeds 20] [--budgets 0.05,0.10,0.25] [--out results.json]'


class TableError(Exception):
    pass


def fail(message, code=2):
    print(f'{PROG}: {message}', file=sys.stderr)
    sys.exit(code)


def canon(value):
    # Values may be lists or strings as well as numbers; their JSON text is what identifies them.
    return json.dumps(value, sort_keys=True, separators=(',', ':'))


def js_round(x):
    # Math.round semantics (half up), applied to budget × (rows × epochs) in that order, so that
    # budget_epochs matches the TypeScript side exactly.
    return math.floor(x + 0.5)


def parse_args(argv):
    table = None
    seeds = 20
    budgets = [0.05, 0.10, 0.25]
    out = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ('-h', '--help'):
            print(USAGE)
            sys.exit(0)
        if arg.startswith('--'):
            name, eq, inline = arg[2:].partition('=')
            if name not in ('seeds', 'budgets', 'out'):
                fail(f'unknown option {arg}; {USAGE}')
            if eq:
                value = inline
            elif i + 1 < len(argv):
                i += 1
                value = argv[i]
            else:
                fail(f'{arg} needs a value; {USAGE}')
            if name == 'seeds':
                try:
                    seeds = int(value)
                except ValueError:
                    seeds = 0
                if seeds < 1:
                    fail(f'--seeds must be a positive integer, not {value!r}')
            elif name == 'budgets':
                try:
                    budgets = [float(b) for b in value.split(',') if b.strip()]
                except ValueError:
                    budgets = []
                if not budgets or not all(math.isfinite(b) and b > 0 for b in budgets):
                    fail(f'--budgets must be comma-separated positive fractions, not {value!r}')
            else:
                out = value
        elif table is None:
            table = arg
        else:
            fail(f'unexpected argument {arg!r}; {USAGE}')
        i += 1
    if table is None:
        fail(f'no table given; {USAGE}')
    return table, seeds, budgets, out


def load_table(path):
    """The table, its rows indexed by the canonical text of their settings, and its best value."""
    try:
        with open(path, encoding='utf-8') as f:
            table = json.load(f)
    except OSError as e:
        raise TableError(f'cannot read it: {e.strerror or e}') from None
    except ValueError as e:
        raise TableError(f'is not valid JSON: {e}') from None
    if not isinstance(table, dict):
        raise TableError('is not a JSON object')
    for field in ('metric', 'goal', 'epochs', 'keys', 'values', 'rows'):
        if field not in table:
            raise TableError(f'has no "{field}"')
    metric, goal, epochs = table['metric'], table['goal'], table['epochs']
    keys, values, rows = table['keys'], table['values'], table['rows']
    if goal not in ('maximize', 'minimize'):
        raise TableError(f'"goal" must be "maximize" or "minimize", not {goal!r}')
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise TableError(f'"epochs" must be a positive integer, not {epochs!r}')
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise TableError('"keys" must be a non-empty list of names')
    if len(set(keys)) != len(keys):
        raise TableError('"keys" names a key twice')
    if not isinstance(values, dict) or not isinstance(rows, list):
        raise TableError('"values" must be an object and "rows" a list')
    choices = {}
    for key in keys:
        options = values.get(key)
        if not isinstance(options, list) or not options:
            raise TableError(f'"values" has no non-empty list for key "{key}"')
        texts = [canon(v) for v in options]
        if len(set(texts)) != len(texts):
            raise TableError(f'"values.{key}" lists a value twice')
        choices[key] = texts

    by_settings = {}
    for n, row in enumerate(rows):
        settings = row.get('values') if isinstance(row, dict) else None
        if not isinstance(settings, dict):
            raise TableError(f'row {n} has no "values" object')
        ident = []
        for key in keys:
            if key not in settings:
                raise TableError(f'row {n} has no value for "{key}"')
            text = canon(settings[key])
            if text not in choices[key]:
                raise TableError(f'row {n} has {key}={text}, which "values.{key}" does not list')
            ident.append(text)
        ident = tuple(ident)
        if ident in by_settings:
            raise TableError(f'row {n} repeats the settings of row {by_settings[ident][0]}')
        curve = row.get(metric)
        if not isinstance(curve, list) or len(curve) != epochs:
            raise TableError(f'row {n} has no "{metric}" list of {epochs} values')
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in curve):
            raise TableError(f'row {n} has a non-numeric or non-finite "{metric}" value')
        by_settings[ident] = (n, [float(v) for v in curve])

    expected = math.prod(len(choices[k]) for k in keys)
    if len(by_settings) != expected:
        raise TableError(f'has {len(by_settings)} rows but the grid of its keys has {expected} combinations')

    pick = max if goal == 'maximize' else min
    table_best = pick(pick(curve) for _, curve in by_settings.values())
    return table, choices, {ident: curve for ident, (_, curve) in by_settings.items()}, table_best


def replay(optuna, table, choices, curves, seed, budget_epochs):
    """One search under the budget: (best value reached, trials started, epochs consumed)."""
    keys = table['keys']
    epochs = table['epochs']
    maximize = table['goal'] == 'maximize'
    state = {'consumed': 0, 'best': None}

    def objective(trial):
        ident = tuple(choices[k][trial.suggest_categorical(k, list(range(len(choices[k]))))] for k in keys)
        curve = curves[ident]
        for e in range(1, epochs + 1):
            value = curve[e - 1]
            state['consumed'] += 1
            # Every trial keeps its best epoch, so the search's result is the best value reported
            # anywhere, pruned trials included.
            best = state['best']
            if best is None or (value > best if maximize else value < best):
                state['best'] = value
            trial.report(value, e)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return curve[-1]

    study = optuna.create_study(
        direction=table['goal'],
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3, min_early_stopping_rate=0),
    )
    # The budget is checked only between trials: a trial once started runs until it completes or
    # is pruned, the same rule convsweep's samplers are held to.
    while state['consumed'] < budget_epochs:
        study.optimize(objective, n_trials=1, n_jobs=1, gc_after_trial=False, show_progress_bar=False)
    return state['best'], len(study.trials), state['consumed']


def median(xs):
    # The true median (mean of the middle two for an even count): unlike picking one middle element
    # it commutes with the gap's sign flip, so the median gap is the gap of the median best.
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def main(argv):
    table_path, seeds, budgets, out = parse_args(argv)
    try:
        import optuna
    except ImportError:
        fail('python3-optuna is not installed (apt-get install python3-optuna)', 3)
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    try:
        table, choices, curves, table_best = load_table(table_path)
    except TableError as e:
        fail(f'{table_path}: {e}')

    maximize = table['goal'] == 'maximize'
    n_rows = len(curves)
    runs = []
    for budget in budgets:
        budget_epochs = js_round(budget * (n_rows * table['epochs']))
        for seed in range(seeds):
            best, trials, consumed = replay(optuna, table, choices, curves, seed, budget_epochs)
            runs.append({'seed': seed, 'budget': budget, 'budget_epochs': budget_epochs,
                         'best': best, 'trials': trials, 'epochs': consumed})

    result = {
        'peer': f'optuna {optuna.__version__} TPESampler + SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)',
        'table': table.get('name', os.path.basename(table_path)),
        'table_best': table_best,
        'runs': runs,
    }
    text = json.dumps(result, indent=2) + '\n'
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            with open(out, 'w', encoding='utf-8') as f:
                f.write(text)
        except OSError as e:
            fail(f'cannot write {out}: {e.strerror or e}')

    for budget in budgets:
        mine = [r for r in runs if r['budget'] == budget]
        found = [r['best'] for r in mine if r['best'] is not None]
        head = f'{PROG}: budget {budget:g} ({mine[0]["budget_epochs"]} epochs)'
        if not found:
            print(f'{head}: no trial started', file=sys.stderr)
            continue
        gaps = [100 * ((table_best - b) if maximize else (b - table_best)) for b in found]
        print(f'{head}: median best {median(found):.4f}, median gap to table best {median(gaps):.2f} points, '
              f'median trials {median([r["trials"] for r in mine]):g}, median epochs {median([r["epochs"] for r in mine]):g} '
              f'over {len(mine)} seeds (table best {table_best:.4f})', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
