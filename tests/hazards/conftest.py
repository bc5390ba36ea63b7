from tests.review.conftest import full_day, make_photo  # noqa: F401  (shared fixtures)
