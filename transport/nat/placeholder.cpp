// placeholder until the module lands; delete when a real source exists
