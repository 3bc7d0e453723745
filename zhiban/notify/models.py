"""The notice centre and the outbox (DESIGN.md: detection writes an outbox row; delivery reads it,
retries with backoff and logs every attempt; the in-app notice never depends on an outside service)."""

from __future__ import annotations

import uuid

from django.db import connection, models


class Notice(models.Model):
    """An in-app notice to one person: shown in the header's count until read."""

    person = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="notices")
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # the notify_people call that wrote it: its outbox messages carry the same value (deliveries())
    dispatch = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "read_at"])]
        verbose_name = "通知"

    def __str__(self) -> str:
        return self.text


def deliveries_of(notices) -> None:
    """Gives each notice `.deliveries`: the outside messages sent about it to its reader, and the duty
    group's messages sent with it, each with its attempts (one query each for messages and attempts)."""
    notices = list(notices)
    dispatches = {n.dispatch for n in notices if n.dispatch}
    messages = OutboxMessage.objects.filter(dispatch__in=dispatches).prefetch_related("attempt_log")
    by_dispatch: dict = {}
    for message in messages.order_by("created_at", "id") if dispatches else ():
        by_dispatch.setdefault(message.dispatch, []).append(message)
    for notice in notices:
        notice.deliveries = [
            m for m in by_dispatch.get(notice.dispatch, []) if m.person_id in (None, notice.person_id)
        ]


def unread_notices(person_id: int) -> int:
    """The top bar's count (lib.registry): one indexed raw query, cheaper than the ORM on every page."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {Notice._meta.db_table} WHERE person_id = %s AND read_at IS NULL",
            [person_id],
        )
        return cursor.fetchone()[0]


class OutboxMessage(models.Model):
    """One message to deliver over an outside channel. The delivery job claims it with a conditional
    update; next_attempt_at is the deadline column the job reads (try_deliver_one)."""

    class Channel(models.TextChoices):
        EMAIL = "email", "电子邮件"
        SMS = "sms", "短信"
        WECOM = "wecom", "企业微信群机器人"
        DINGTALK = "dingtalk", "钉钉群机器人"

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    person = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the gateway or robot webhook, its secret (DingTalk signs with it) and, for SMS, the template
    url = models.CharField(max_length=500, blank=True)
    secret = models.CharField(max_length=200, blank=True)
    template = models.CharField(max_length=100, blank=True)
    # B22: the channels to use, in order, should this one fail: [{"channel", "recipient", "url", ...}]
    fallback = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)  # read by notify.jobs.try_deliver_one
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # the idempotency key the gateway or robot receives with every attempt (msgid, Message-ID): a retry
    # after a runner died mid-send carries the same key, so a gateway that keeps keys drops the repeat
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    dispatch = models.UUIDField(null=True, blank=True, db_index=True)  # the notices it is about
    route = models.ForeignKey(  # the unit's channel it goes by; none for the default email
        "notify.ChannelRoute", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        verbose_name = "待发消息"

    def __str__(self) -> str:
        return f"{self.channel} {self.recipient}: {self.subject}"

    @property
    def last_attempt(self):
        log = list(self.attempt_log.all())
        return log[-1] if log else None

    def recipient_label(self) -> str:
        """The address in words a reader may see: a mobile with its middle hidden, the duty group."""
        if self.channel in (self.Channel.WECOM, self.Channel.DINGTALK):
            return "值班群"
        if self.channel == self.Channel.SMS and len(self.recipient) >= 7:
            return f"{self.recipient[:3]}****{self.recipient[-4:]}"
        return self.recipient


class DeliveryAttempt(models.Model):
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    detail = models.CharField(max_length=500)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "发送记录"

    def __str__(self) -> str:
        return self.detail


class ChannelRoute(models.Model):
    """B22: a unit's outside channels, in the order tried; a unit without its own uses its parent's.
    SMS goes to each person's mobile through the unit's HTTP gateway; WeCom and DingTalk to the duty
    group's robot; email to each person's address. The in-app notice is always written first."""

    class Channel(models.TextChoices):
        SMS = "sms", "短信"
        WECOM = "wecom", "企业微信群机器人"
        DINGTALK = "dingtalk", "钉钉群机器人"
        EMAIL = "email", "电子邮件"

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.CASCADE, related_name="channel_routes", verbose_name="单位"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    url = models.URLField("网关或机器人地址", max_length=500, blank=True)
    secret = models.CharField("加签密钥（钉钉）", max_length=200, blank=True)
    template = models.CharField("短信模板编号", max_length=100, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "通知渠道"

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.url}"
