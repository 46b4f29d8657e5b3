"""A runner for Amazon Connect's flow language: the 112 contact flow, run locally for a simulated call.

model.py reads a flow file; contact.py is the contact the flow changes and reads with JSONPath; world.py
is what the caller and the systems around the flow do; actions.py has one handler per action type;
runner.py runs a call from StartAction to its end; paths.py walks every path with every fault;
source.py loads the repository's flow with the local stack's values; call.py drives a running local
stack (`python -m local call`) and hands the call's times to local/contact_events.py, which makes
Connect's contact events of every simulated call.
docs/connect-flow.md says what each piece does and how the every-path check works.
"""

import infra  # noqa: F401 - puts functions/ on the path, for core
