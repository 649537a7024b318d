"""Code hosts behind one interface: the sandbox (local git) and GitHub."""
