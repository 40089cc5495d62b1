"""The resources both admin UIs (the Admin Portal and the Admin API) write and list."""
