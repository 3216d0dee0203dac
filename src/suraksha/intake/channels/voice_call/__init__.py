"""The 112 call-taker's channel: a voice call, logged on the call-taker's screen (`/calltaker`) or by the control
room's own software through `POST /api/v1/calls`."""
