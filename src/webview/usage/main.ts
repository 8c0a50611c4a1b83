// The usage dashboard's browser script (being written).
