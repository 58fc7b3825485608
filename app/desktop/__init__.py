"""The desktop application: the qasync loop, the event bridge and the controllers."""
