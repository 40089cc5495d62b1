"""The benchmark's floor: the least a Django + Jinja2 page served by granian costs on this machine.

Forecourt's pages are reported as a share of these two pages, measured in the same run and
served the same way (granian, WSGI, one worker, the same threads), so the machine cancels out.
"""
