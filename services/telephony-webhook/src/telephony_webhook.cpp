// Domain code of telephony-webhook lives here as it is built.
