"""Reply: answers citizens on the social channel they wrote on (reply-sender), from the queue the intake
fills; apart from the intake, since it writes to citizens with a secret the intake never reads."""
