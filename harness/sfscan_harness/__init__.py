"""sfscan's local harness (development only): the deployed pipeline run on this machine.

``local`` wires the real Lambda handlers to AWS served by moto on loopback; ``demo`` tells the
``sfscan demo`` story on top of it with the org simulator. Neither ships in the sfscan wheel or the
Lambda layer; ``make`` installs this package from the source checkout.
"""
