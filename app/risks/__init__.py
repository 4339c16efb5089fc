"""The risk aggregate: a risk with its reviews, control measures and the register's rows."""
