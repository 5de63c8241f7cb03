"""Pure text and button specs per screen: what each screen says and which buttons it has,
as plain data. No telegram, no db."""
