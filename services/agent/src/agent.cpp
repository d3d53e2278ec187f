// Domain code of agent lives here as it is built.
