// Domain code of integrations lives here as it is built.
