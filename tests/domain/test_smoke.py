from tests.helpers import login


def test_demo_admin_can_log_in(demo, db):
    result = login(db, "admin.demo")
    assert len(result.session_token) > 30
