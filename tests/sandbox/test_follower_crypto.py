"""The sandbox's own signature and AES code reproduces WeChat's published vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wechatpy.crypto import WeChatCrypto

from sandbox import crypto

# WeChat's published sample vectors, shared with the webhook's tests.
VECTORS_PATH = Path(__file__).resolve().parent.parent / "data" / "official_vectors.json"


def _vectors() -> dict:
    return json.loads(VECTORS_PATH.read_text())


def test_follower_signature_matches_the_official_examples():
    for case in _vectors()["plain_get_signature"]:
        expected = case["signature"]
        assert crypto.signature(case["token"], case["timestamp"], case["nonce"]) == expected


def test_follower_encryption_with_fixed_random_matches_the_java_sample():
    case = _vectors()["encrypt_fixed_random"][0]
    ciphertext = crypto.encrypt(
        case["plaintext"], case["encoding_aes_key"], case["appid"], case["random16"].encode()
    )
    assert ciphertext == case["ciphertext"]


@pytest.mark.parametrize("index", [0, 1])
def test_follower_decryption_and_msg_signature_match_the_official_samples(index):
    case = _vectors()["decrypt"][index]
    assert (
        crypto.signature(case["token"], case["timestamp"], case["nonce"], case["encrypt"])
        == case["msg_signature"]
    )
    message = crypto.decrypt(case["encrypt"], case["encoding_aes_key"], case["appid"])
    assert case.get("expected", case.get("expected_contains")) in message


def test_follower_envelope_for_another_appid_is_refused():
    case = _vectors()["decrypt"][0]
    with pytest.raises(crypto.EnvelopeError, match="appid"):
        crypto.decrypt(case["encrypt"], case["encoding_aes_key"], "wx0000000000000000")


def test_follower_ciphertext_opens_with_wechatpy():
    key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    text = "<xml><Content><![CDATA[你好 hello]]></Content></xml>"
    encrypted = crypto.encrypt(text, key, "wx5d3f0a1b2c4e6f70")
    envelope = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    signature = crypto.signature("tok", "1700000000", "42", encrypted)
    opened = WeChatCrypto("tok", key, "wx5d3f0a1b2c4e6f70").decrypt_message(
        envelope, signature, "1700000000", "42"
    )
    assert opened == text
