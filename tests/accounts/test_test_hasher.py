"""The tests' cheap password hashing (tests/conftest.py) must reach the code that hashes: if the
hashing moves and the patch is left behind, every sign-up and login in the suite costs the
production argon2 parameters again (~0.3 s each) without any test noticing."""

from argon2 import extract_parameters

from bioatlas.accounts import service


def test_the_suite_hashes_passwords_with_the_cheap_test_parameters():
    parameters = extract_parameters(service.hash_password("a long enough password"))
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (1, 8, 1)
