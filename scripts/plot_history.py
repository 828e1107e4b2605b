#!/usr/bin/python3
"""plot_history.py — the lab notebook's training-curve figure, from nnrun run directories.

    scripts/plot_history.py RUN_DIR [RUN_DIR ...] [-o OUT.png] [--title TEXT]

The notebook plots pd.DataFrame(model.fit(...).history) — loss, accuracy, val_loss and
val_accuracy per epoch — on a 10 x 5 inch figure with a grid, the y axis from 0 to 1, the
x axis labelled "Epochs" and a title. This script draws the same figure from each run's
history.csv (Keras CSVLogger format) and writes it as a PNG (1000 x 500 pixels at the
default 100 dpi). With one run the four curves have the notebook's colours; with several,
each run has a colour and each metric a line style, so runs can be compared on one figure.

The output is RUN_DIR/history.png for one run and ./history.png for several, unless -o is
given. The title is the run's config name (from its config.yaml), or "<n> runs".

A history.csv that cannot be read as that table — missing, empty, no epoch column, none of
the four metrics, a value that is not a number, ragged rows — is an error naming the file
(exit status 1); nothing is written then. Needs pandas and matplotlib (Debian:
python3-pandas, python3-matplotlib); runs headless (the Agg backend).
"""
import argparse
import os
import sys

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
ALIASES = {"acc": "accuracy", "val_acc": "val_accuracy"}  # metrics: [acc] in the config
STYLES = ("-", "--", ":", "-.")  # one per metric when several runs share the figure


def fail(message):
    print(f"plot_history.py: error: {message}", file=sys.stderr)
    sys.exit(1)


def read_history(pd, run_dir):
    """The run's history as a DataFrame indexed by epoch with the metrics found."""
    path = run_dir if run_dir.endswith(".csv") else os.path.join(run_dir, "history.csv")
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        fail(f"{path}: no such file (is {run_dir} an nnrun run directory?)")
    except pd.errors.EmptyDataError:
        fail(f"{path}: empty file")
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as e:
        fail(f"{path}: not a history CSV: {e}".replace("\n", " "))
    df.columns = [str(c).strip() for c in df.columns]
    df = df.rename(columns=ALIASES)
    if "epoch" not in df.columns:
        fail(f"{path}: no 'epoch' column (columns: {', '.join(df.columns)})")
    found = [m for m in METRICS if m in df.columns]
    if not found:
        fail(f"{path}: none of the columns {', '.join(METRICS)}")
    if df.empty:
        fail(f"{path}: no epochs (only a header)")
    for col in ["epoch"] + found:
        values = pd.to_numeric(df[col], errors="coerce")
        # "nan" (a diverged epoch) reads as NaN and is fine; text that is not a number is not
        bad = values.isna() & df[col].notna() & (df[col].astype(str).str.strip().str.lower() != "nan")
        if bad.any():
            row = int(bad.idxmax()) + 2  # the header is line 1
            fail(f"{path}:{row}: {col}: '{df[col][bad.idxmax()]}' is not a number")
        if col == "epoch" and values.isna().any():
            fail(f"{path}: an epoch without its number")
        df[col] = values
    return df.set_index("epoch")[found]


def config_name(run_dir):
    """The `name:` of the run's resolved config.yaml, or the directory's name."""
    try:
        with open(os.path.join(run_dir, "config.yaml"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("name:"):
                    return line.split(":", 1)[1].strip().strip("'\"")
    except OSError:
        pass
    return os.path.basename(os.path.normpath(run_dir))


def labels_for(run_dirs):
    """Short names for the runs: their paths below the deepest common directory."""
    full = [os.path.abspath(r) for r in run_dirs]
    common = os.path.commonpath(full) if len(full) > 1 else os.path.dirname(full[0])
    return [os.path.relpath(f, common) if f != common else os.path.basename(f) for f in full]


def main():
    parser = argparse.ArgumentParser(
        prog="plot_history.py",
        description="Plot loss, accuracy, val_loss and val_accuracy per epoch of nnrun runs "
                    "(the lab notebook's figure) into a PNG.")
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR",
                        help="an nnrun run directory (or a history.csv file)")
    parser.add_argument("-o", "--output", help="the PNG to write (default: RUN_DIR/history.png "
                                               "for one run, ./history.png for several)")
    parser.add_argument("--title", help="the figure's title (default: the config name)")
    parser.add_argument("--dpi", type=int, default=100,
                        help="pixels per inch of the 10 x 5 inch figure (default 100)")
    args = parser.parse_args()

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.lines
        import matplotlib.pyplot as plt
        import pandas as pd
    except ImportError as e:
        fail(f"{e.name} is missing: install python3-pandas and python3-matplotlib")

    histories = [read_history(pd, r) for r in args.runs]  # every file checked before drawing
    if args.output:
        out = args.output
    elif len(args.runs) == 1 and not args.runs[0].endswith(".csv"):
        out = os.path.join(args.runs[0], "history.png")
    else:
        out = "history.png"
    names = sorted({config_name(r) for r in args.runs})
    title = args.title or (names[0] if len(args.runs) == 1 else
                           f"{len(args.runs)} runs of {names[0]}" if len(names) == 1 else
                           f"{len(args.runs)} runs")

    fig, ax = plt.subplots(figsize=(10, 5))
    if len(histories) == 1:
        histories[0].plot(ax=ax)  # the notebook's history.plot(): a colour per metric
    else:
        # two keys rather than runs x metrics entries: runs by colour, metrics by style
        colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        run_keys = []
        for k, (label, h) in enumerate(zip(labels_for(args.runs), histories)):
            colour = colours[k % len(colours)]
            for m in h.columns:
                ax.plot(h.index, h[m], color=colour, linestyle=STYLES[METRICS.index(m)])
            run_keys.append(matplotlib.lines.Line2D([], [], color=colour, label=label))
        shown = [m for m in METRICS if any(m in h.columns for h in histories)]
        metric_keys = [matplotlib.lines.Line2D([], [], color="black", label=m,
                                               linestyle=STYLES[METRICS.index(m)]) for m in shown]
        ax.add_artist(ax.legend(handles=run_keys, loc="lower right", fontsize="small"))
        ax.legend(handles=metric_keys, loc="lower left", fontsize="small")
    ax.grid(True)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Epochs")
    ax.set_title(title)
    try:
        fig.savefig(out, dpi=args.dpi, format="png")
    except OSError as e:
        fail(f"cannot write {out}: {e.strerror}")
    print(out)


if __name__ == "__main__":
    main()
