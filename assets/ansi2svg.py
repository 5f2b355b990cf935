#!/usr/bin/env python3
"""Turns a `tmux capture-pane -e -p` dump (text with SGR colour codes) into an SVG picture.

Used by assets/screenshot.sh so the README screenshot comes from a real run, not a mock-up.
"""
import html
import re
import sys
import unicodedata

BASE = ["#1e1e2e", "#f38ba8", "#a6e3a1", "#f9e2af", "#89b4fa", "#f5c2e7", "#94e2d5", "#bac2de",
        "#585b70", "#f38ba8", "#a6e3a1", "#f9e2af", "#89b4fa", "#f5c2e7", "#94e2d5", "#ffffff"]
FG, BG = "#cdd6f4", "#1e1e2e"
CW, CH = 8.4, 17  # cell size in pixels


def indexed(n):
    if n < 16:
        return BASE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


def apply_sgr(params, st):
    p = [int(x) if x else 0 for x in params.split(";")] if params else [0]
    i = 0
    while i < len(p):
        c = p[i]
        if c == 0:
            st.update(fg=None, bg=None, bold=False, rev=False)
        elif c == 1:
            st["bold"] = True
        elif c == 22:
            st["bold"] = False
        elif c == 7:
            st["rev"] = True
        elif c == 27:
            st["rev"] = False
        elif 30 <= c <= 37:
            st["fg"] = BASE[c - 30]
        elif 90 <= c <= 97:
            st["fg"] = BASE[c - 90 + 8]
        elif 40 <= c <= 47:
            st["bg"] = BASE[c - 40]
        elif 100 <= c <= 107:
            st["bg"] = BASE[c - 100 + 8]
        elif c == 39:
            st["fg"] = None
        elif c == 49:
            st["bg"] = None
        elif c in (38, 48) and i + 1 < len(p):
            key = "fg" if c == 38 else "bg"
            if p[i + 1] == 5 and i + 2 < len(p):
                st[key] = indexed(p[i + 2])
                i += 2
            elif p[i + 1] == 2 and i + 4 < len(p):
                st[key] = "#%02x%02x%02x" % tuple(p[i + 2:i + 5])
                i += 4
        i += 1


def main():
    lines = sys.stdin.read().rstrip("\n").split("\n")
    cols = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    rects, out = [], []
    st = {"fg": None, "bg": None, "bold": False, "rev": False}
    for y, line in enumerate(lines):
        x = 0
        for m in re.finditer(r"\x1b\[([0-9;]*)m|([^\x1b])", line):
            if m.group(1) is not None:
                apply_sgr(m.group(1), st)
                continue
            ch = m.group(2)
            w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            fg, bg = st["fg"] or FG, st["bg"]
            if st["rev"]:
                fg, bg = (st["bg"] or BG), (st["fg"] or FG)
            if bg:
                rects.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>' % (x * CW, y * CH, w * CW + 0.6, CH, bg))
            if ch != " ":
                weight = ' font-weight="bold"' if st["bold"] else ""
                out.append('<text x="%.1f" y="%d" fill="%s"%s>%s</text>' % (x * CW, y * CH + 13, fg, weight, html.escape(ch)))
            x += w
    width, height = cols * CW, len(lines) * CH
    print('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">' % (width, height, width, height))
    print('<rect width="100%%" height="100%%" fill="%s"/>' % BG)
    print('<g shape-rendering="crispEdges">')
    print("\n".join(rects))
    print("</g>")
    print('<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14" xml:space="preserve">')
    print("\n".join(out))
    print("</g></svg>")


main()
