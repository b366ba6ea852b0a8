"""A chaos run as a picture (SVG, no library): time runs left to right; the nemesis's faults
are bars on the top lane, each client's operations are ticks on a lane of its own, coloured
by what the checker found. The verdict is written under it."""

from html import escape

COLOURS = {"present": "#2e7d32", "superseded": "#2e7d32", "recovered": "#9e9e9e",
           "absent": "#9e9e9e", "overtaken": "#f9a825", "lost": "#c62828",
           "duplicated": "#c62828", "stale": "#c62828"}
FAULT_COLOURS = {"poweroff": "#37474f", "cut": "#6a1b9a", "partition": "#1565c0",
                 "pause": "#ef6c00"}
WIDTH, LEFT, LANE = 960, 90, 26
# Which verdict a mark shows when several operations share it: the worst. From "overtaken"
# up, a mark also names its operation (hover over it).
RANK = {"present": 0, "superseded": 0, "absent": 1, "recovered": 1, "overtaken": 2,
        "lost": 3, "duplicated": 3, "stale": 3}


def svg(operations, verdicts, faults, seconds, clients, summary):
    scale = (WIDTH - LEFT - 20) / seconds
    height = 60 + LANE * (clients + 1) + 80

    def x(t):
        return LEFT + t * scale

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'width="{WIDTH}" height="{height}" font-family="DejaVu Sans, sans-serif" '
             'font-size="12">',
             f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
             f'<text x="{LEFT}" y="20" font-size="14">A chaos run: {seconds} s, {clients} '
             'clients, one fault at a time</text>']
    top = 36
    parts.append(f'<text x="8" y="{top + 16}">faults</text>')
    for fault in faults:
        end = fault["ended"] or seconds
        colour = FAULT_COLOURS.get(fault["kind"], "#000")
        parts.append(f'<rect x="{x(fault["started"]):.1f}" y="{top + 3}" '
                     f'width="{max(1.0, (end - fault["started"]) * scale):.1f}" '
                     f'height="{LANE - 6}" fill="{colour}"><title>{escape(fault["kind"])} '
                     f'{escape(fault["target"])}: {fault["started"]:.1f}-{end:.1f} s'
                     '</title></rect>')
    for client in range(clients):
        y = top + LANE * (client + 1)
        parts.append(f'<text x="8" y="{y + 16}">client {client}</text>')
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 20}" y1="{y + LANE / 2}" '
                     f'y2="{y + LANE / 2}" stroke="#e0e0e0"/>')
    # One mark per client and pixel column, in the colour of the worst verdict in it: a long
    # run has thousands of operations, and the picture stays small and readable.
    worst = {}
    for operation, verdict in zip(operations, verdicts, strict=True):
        column = (operation["client"], int(x(operation["started"])))
        if column not in worst or RANK[verdict] > RANK[worst[column][1]]:
            worst[column] = (operation, verdict)
    for (client, column), (operation, verdict) in sorted(worst.items(), key=lambda i: i[0]):
        y = top + LANE * (client + 1)
        label = "" if RANK[verdict] < RANK["overtaken"] else (
            f'<title>{escape(operation["kind"])} {escape(operation["title"])} '
            f'v{operation["value"]}: {verdict}</title>')
        parts.append(f'<rect x="{column}" y="{y + 5}" width="2" height="{LANE - 10}" '
                     f'fill="{COLOURS.get(verdict, "#000")}">{label}</rect>')
    axis = top + LANE * (clients + 1) + 4
    for second in range(0, int(seconds) + 1, max(1, int(seconds) // 10)):
        parts.append(f'<text x="{x(second):.1f}" y="{axis + 12}" text-anchor="middle">'
                     f'{second} s</text>')
    parts.append(f'<text x="{LEFT}" y="{axis + 32}">faults: power off (dark grey), cut '
                 '(purple), partition (blue), pause (orange)</text>')
    parts.append(f'<text x="{LEFT}" y="{axis + 50}">operations: acknowledged and found '
                 '(green), no answer (grey), older text back (yellow), anomaly (red)</text>')
    parts.append(f'<text x="{LEFT}" y="{axis + 68}">{escape(summary)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
