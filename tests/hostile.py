"""Hostile model and server text: the XSS corpus every rendered surface must survive.

Each payload, if it ran, would log ``XSS-MARKER`` to the console, set ``window.__xss``,
open a dialog or make a request to ``evil.example``. Shared by the kernel-side tests of the
text fallback and the browser tests.
"""

from __future__ import annotations

PAYLOADS: list[str] = [
    "<script>window.__xss = 1; console.log('XSS-MARKER script')</script>",
    "<img src=x onerror=\"console.log('XSS-MARKER img'); window.__xss = 1\">",
    "<IMG SRC=x OnErRoR=alert('XSS-MARKER caps')>",
    "[click me](javascript:console.log('XSS-MARKER link'))",
    "![remote](https://evil.example/pixel.png)",
    "[ref]: javascript:alert('XSS-MARKER ref')\n\n[ref]",
    "<https://evil.example/autolink>",
    '<a href="javascript:window.__xss=1">raw link</a>',
    '<svg onload="console.log(\'XSS-MARKER svg\')"><circle r="4"></circle></svg>',
    "<iframe src=\"javascript:console.log('XSS-MARKER iframe')\"></iframe>",
    "<iframe srcdoc=\"<script>parent.console.log('XSS-MARKER srcdoc')</script>\"></iframe>",
    '<base href="https://evil.example/">',
    "<style>body { display: none !important }</style>",
    '<div style="position:fixed;inset:0;z-index:99999;background:red" '
    'class="ckw-history">Your session expired: sign in again</div>',
    "<details open ontoggle=\"console.log('XSS-MARKER details')\">x</details>",
    "<noscript><p title=\"</noscript><img src=x onerror=console.log('XSS-MARKER mxss')>\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=console.log('XSS-MARKER math')>",
    "<!--><img src=x onerror=console.log('XSS-MARKER comment')>-->",
    "&lt;img src=x onerror=console.log('XSS-MARKER entity')&gt;",
    "&#91;entity link&#93;(javascript:console.log('XSS-MARKER entitylink'))",
    "\\<img src=x onerror=console.log('XSS-MARKER backslash')>",
    "`code` <img src=x onerror=console.log('XSS-MARKER aftercode')>",
    "\\`<img src=x onerror=console.log('XSS-MARKER escapedtick')>`",
    "```html\n<script>console.log('XSS-MARKER fence')</script>\n```",
    "~~~\n</code></pre><img src=x onerror=console.log('XSS-MARKER fenceclose')>\n~~~",
    "```\nunclosed <img src=x onerror=console.log('XSS-MARKER unclosed')>",
    "    <img src=x onerror=console.log('XSS-MARKER indented')>",
    "$\\href{javascript:console.log('XSS-MARKER mathhref')}{math}$",
    "$$\\class{ckw-history}{x}$$",
    '<form action="https://evil.example"><input name="q"></form>',
    '<object data="javascript:alert(1)"></object>',
    "<video><source onerror=\"console.log('XSS-MARKER video')\"></video>",
    "\x1b[31mred ANSI\x1b[0m and a \u202eRLO override",
]

# The whole corpus as one reply, ending with a line that must still show.
REPLY = "\n\n".join(PAYLOADS) + "\n\nLast line stays."
