"""Load benchmark for Rondvraag: `python -m bench --help`.

It spawns a real server, drives it with real websocket and HTTP clients from this process (or a
few load processes), and prints a table plus one JSON line of figures. Nothing here is imported
by the app; the package only depends on the wire protocol in docs/protocol.md.
"""
