"""Loads a convsweep sweep's Optuna journal the way a user does, and prints what Optuna sees as JSON.

    python3 optuna_load.py JOURNAL STUDY_NAME

Prints {"optuna", "study": {name, directions, user_attrs, best_trial_number}, "trials": [...],
"importances", "plots": {name: "ok" | "skipped: why"}} on stdout. Exits non-zero when Optuna cannot
load the study or a plot or the importances fail for any reason but a missing optional package.
"""
import json
import shutil
import sys
import tempfile
import warnings

import optuna

try:  # Optuna 4 and later
    from optuna.storages.journal import JournalFileBackend as JournalFile
except ImportError:  # Optuna 3.1 to 3.6
    from optuna.storages import JournalFileStorage as JournalFile

warnings.simplefilter("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)


def distribution(d):
    return {"name": type(d).__name__, "attributes": {k: list(v) if isinstance(v, tuple) else v for k, v in d._asdict().items()}}


def when(t):
    return None if t is None else {"iso": t.isoformat(), "timestamp": t.timestamp()}


def main(path, study_name):
    storage = optuna.storages.JournalStorage(JournalFile(path))
    study = optuna.load_study(study_name=study_name, storage=storage)
    trials = [
        {
            "number": t.number,
            "state": t.state.name,
            "value": t.value,
            "params": t.params,
            "distributions": {k: distribution(d) for k, d in t.distributions.items()},
            "intermediate_values": {str(k): v for k, v in sorted(t.intermediate_values.items())},
            "user_attrs": t.user_attrs,
            "datetime_start": when(t.datetime_start),
            "datetime_complete": when(t.datetime_complete),
            "duration_s": None if t.duration is None else t.duration.total_seconds(),
        }
        for t in study.trials
    ]
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    out = {
        "optuna": optuna.__version__,
        "study": {
            "name": study.study_name,
            "directions": [d.name for d in study.directions],
            "user_attrs": study.user_attrs,
            "best_trial_number": study.best_trial.number if complete else None,
        },
        "trials": trials,
    }
    try:
        out["importances"] = dict(optuna.importance.get_param_importances(study))
    except ImportError as err:  # the default evaluator needs scikit-learn
        out["importances"] = "skipped: %s" % err
    plots = {}
    for name in ["plot_optimization_history", "plot_intermediate_values", "plot_parallel_coordinate", "plot_param_importances"]:
        try:
            figure = getattr(optuna.visualization, name)(study)
            plots[name] = "ok" if len(figure.data) > 0 else "empty"
        except ImportError as err:  # plotly is optional
            plots[name] = "skipped: %s" % err
    out["plots"] = plots
    out["appended"] = append_one(path, study_name, len(trials))
    json.dump(out, sys.stdout)


def append_one(path, study_name, count):
    """On a copy: Optuna's TPE proposes one more trial from these and writes it; the study then has count + 1 trials."""
    with tempfile.TemporaryDirectory() as folder:
        copy = shutil.copy(path, folder + "/journal.log")
        study = optuna.load_study(study_name=study_name, storage=optuna.storages.JournalStorage(JournalFile(copy)), sampler=optuna.samplers.TPESampler(seed=0))
        space = {k: d for t in study.trials for k, d in t.distributions.items()}
        trial = study.ask(space)
        study.tell(trial, 0.5)
        again = optuna.load_study(study_name=study_name, storage=optuna.storages.JournalStorage(JournalFile(copy)))
        return {"trials": len(again.trials), "expected": count + 1, "params": sorted(again.trials[-1].params)}


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
