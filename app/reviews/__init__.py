"""Reviews: the append-only history of each risk's assessment."""
