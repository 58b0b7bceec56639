"""The faster action-result validation accepts and rejects exactly what Rasa's own does."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot import rasa_patches


@pytest.fixture(scope="module")
def action():
    rasa_patches.install()
    return RemoteAction("action_x", None)


def test_valid_result_passes(action):
    result = {"events": [{"event": "slot", "name": "district", "value": "西城区", "timestamp": None}],
              "responses": [{"text": "您好"}]}
    assert action._validate_action_result(result)
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


@pytest.mark.parametrize("bad", [{"events": "nope"}, {"responses": [1]}, {"events": [{"event": "no_such_event"}]}])
def test_invalid_result_raises_like_rasa(action, bad):
    with pytest.raises(jsonschema.ValidationError) as exc:
        action._validate_action_result(bad)
    assert "Failed to validate Action server response" in exc.value.message
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, RemoteAction.action_response_format_spec())
