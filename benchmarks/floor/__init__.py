"""The benchmark's floor: the least a Django + Jinja2 page served by granian costs on this machine.

Forecourt's pages are reported as a share of its pages (hello, template + query, and signed-in
template + query, served from floor.settings_signed_in), measured in the same run and served the
same way (granian, WSGI, one worker, the same threads), so the machine cancels out.
"""
