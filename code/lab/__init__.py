"""The lab: real hosts on one machine, the faults we make, and the fixtures tests use."""
