"""API groups wechatpy lacks or sends incompletely, as BaseWeChatAPI subclasses on our client."""

from __future__ import annotations

from wechatpy.client.api import WeChatCustomService, WeChatDraft
from wechatpy.client.api.base import BaseWeChatAPI

from bot.wechat import service_window
from bot.wechat.errors import WeChatAPIError

# Every field draft/add accepts for an article, and which of them are 0/1 flags.
DRAFT_FIELDS = (
    "article_type",
    "title",
    "author",
    "digest",
    "content",
    "content_source_url",
    "thumb_media_id",
    "need_open_comment",
    "only_fans_can_comment",
    "pic_crop_235_1",
    "pic_crop_1_1",
)
_FLAGS = ("need_open_comment", "only_fans_can_comment")


class DraftAPI(WeChatDraft):
    """The draft box, sending every article field (wechatpy drops article_type and the crops)."""

    def add(self, articles: list[dict]) -> dict:
        """Add a draft; returns {media_id}.

        https://developers.weixin.qq.com/doc/service/api/draftbox/draftmanage/api_draft_add
        """
        payload = []
        for article in articles:
            item = {k: article[k] for k in DRAFT_FIELDS if article.get(k) not in (None, "")}
            for flag in _FLAGS:
                item[flag] = int(bool(article.get(flag, 0)))
            payload.append(item)
        return self._post("draft/add", data={"articles": payload})


class MassAPI(BaseWeChatAPI):
    """Mass sends (群发) of a draft: to everyone or a tag, previews, status, deletion."""

    def sendall(
        self,
        media_id: str,
        tag_id: int | None = None,
        clientmsgid: str | None = None,
        send_ignore_reprint: int = 0,
    ) -> dict:
        """Send the draft `media_id` to all followers (tag_id None) or to one tag.

        https://developers.weixin.qq.com/doc/service/api/notify/message/api_sendall
        """
        data: dict = {
            "filter": {"is_to_all": tag_id is None},
            "mpnews": {"media_id": media_id},
            "msgtype": "mpnews",
            "send_ignore_reprint": send_ignore_reprint,
        }
        if tag_id is not None:
            data["filter"]["tag_id"] = tag_id
        if clientmsgid:
            data["clientmsgid"] = clientmsgid
        return self._post("message/mass/sendall", data=data)

    def preview(self, openid: str, media_id: str) -> dict:
        """Send the draft to one follower's phone as a preview (no mass-send quota used).

        https://developers.weixin.qq.com/doc/service/api/notify/message/api_preview
        """
        data = {"touser": openid, "mpnews": {"media_id": media_id}, "msgtype": "mpnews"}
        return self._post("message/mass/preview", data=data)

    def get(self, msg_id: int | str) -> dict:
        """The status of a mass send: msg_status SEND_SUCCESS | SENDING | SEND_FAIL | DELETE.

        https://developers.weixin.qq.com/doc/service/api/notify/message/api_massmsgget
        """
        return self._post("message/mass/get", data={"msg_id": msg_id})

    def delete(self, msg_id: int | str, article_idx: int = 0) -> dict:
        """Delete a sent mass message (article_idx 0: all its articles).

        https://developers.weixin.qq.com/doc/service/api/notify/message/api_deletemassmsg
        """
        return self._post(
            "message/mass/delete", data={"msg_id": msg_id, "article_idx": article_idx}
        )


class CustomAPI(BaseWeChatAPI):
    """Customer-service messages, only inside the follower's window (see service_window)."""

    API = "message/custom/send"

    def send(self, openid: str, msgtype: str, body: dict) -> dict:
        """Send one message of `msgtype` whose body is `body`, counted against the window.

        Outside a window, or with its messages used up, WeChat's errcode is raised without a
        call; when WeChat refuses anyway the window is closed until the follower acts again.

        https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage
        """
        r = self._client.redis
        refused = service_window.reserve(r, openid)
        if refused:
            raise WeChatAPIError(refused, "not sent: no customer-service window left", self.API)
        try:
            return self._post(self.API, data={"touser": openid, "msgtype": msgtype, msgtype: body})
        except WeChatAPIError as exc:
            if exc.errcode in (service_window.OUTSIDE, service_window.USED_UP):
                service_window.close(r, openid, exc.errcode)
            raise

    def send_text(self, openid: str, content: str) -> dict:
        """A text message.

        https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage
        """
        return self.send(openid, "text", {"content": content})

    def send_news(self, openid: str, title: str, description: str, url: str, picurl: str) -> dict:
        """A link card (one article).

        https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage
        """
        article = {"title": title, "description": description, "url": url, "picurl": picurl}
        return self.send(openid, "news", {"articles": [article]})

    def send_mpnewsarticle(self, openid: str, article_id: str) -> dict:
        """A published article, by the article_id freepublish gave it.

        https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage
        """
        return self.send(openid, "mpnewsarticle", {"article_id": article_id})


class CustomServiceAPI(WeChatCustomService):
    """Customer-service accounts; the list is under /cgi-bin/, not where wechatpy asks for it."""

    def get_accounts(self) -> list[dict]:
        """All customer-service accounts.

        https://developers.weixin.qq.com/doc/service/api/customer/servicermanage/api_getkflist
        """
        return self._client.get("customservice/getkflist").get("kf_list", [])


class OpenAPI(BaseWeChatAPI):
    """The account's own API management: what is left of an API's daily call quota."""

    def get_quota(self, cgi_path: str) -> dict:
        """Today's quota of the API at `cgi_path` ("/cgi-bin/draft/add"): {daily_limit, used,
        remain}.

        https://developers.weixin.qq.com/doc/service/en/api/apimanage/api_getapiquota.html
        """
        return self._post("openapi/quota/get", data={"cgi_path": cgi_path})["quota"]
