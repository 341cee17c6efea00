"""Support for tests and benchmarks, NOT used by a run of heartgeo.

- :mod:`heartgeo.testing.synthetic` -- SYNTHETIC street grids over Durham
- :mod:`heartgeo.testing.fuzz` -- a reader fuzzer (needs ``hypothesis``, a test extra)
- :mod:`heartgeo.testing.brute_force` -- exhaustive solutions of small siting instances

It ships with the package so that benchmarks and users' own tests can use it.
"""
