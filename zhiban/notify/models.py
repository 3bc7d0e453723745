"""The notice centre and the outbox (DESIGN.md: detection writes an outbox row; delivery reads it,
retries with backoff and logs every attempt; the in-app notice never depends on an outside service)."""

from __future__ import annotations

from django.db import connection, models


class Notice(models.Model):
    """An in-app notice to one person: shown in the header's count until read."""

    person = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="notices")
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "read_at"])]

    def __str__(self) -> str:
        return self.text


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

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.recipient}: {self.subject}"


class DeliveryAttempt(models.Model):
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    detail = models.CharField(max_length=500)

    class Meta:
        ordering = ["at", "id"]

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
