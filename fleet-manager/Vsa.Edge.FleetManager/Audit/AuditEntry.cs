using System.Text.Json.Nodes;

namespace Vsa.Edge.FleetManager.Audit;

/// <summary>Something to record in the audit log.</summary>
/// <param name="Actor">
/// Who did it: an account name (<c>alice</c>), or a component with a colon (<c>system:retention</c>, <c>cli</c>) — account
/// names cannot contain one, so the two never collide.
/// </param>
/// <param name="Action">What was done, a stable dotted name from <see cref="AuditActions"/> (or a new one of the same form).</param>
/// <param name="Target">What it was done to (<c>alert:…</c>, <c>account:bob</c>, <c>device:pole-12</c>); empty when nothing.</param>
/// <param name="Details">Facts worth keeping (the reason of a decision, the fields changed); never a password or a token.</param>
public sealed record AuditEvent(string Actor, string Action, string Target, JsonObject? Details = null);

/// <summary>One stored entry of the hash chain.</summary>
/// <param name="Sequence">1, 2, 3… without gaps: a gap means a deletion.</param>
/// <param name="At">When it was recorded (fleet clock, UTC, microsecond precision).</param>
/// <param name="Actor">Who.</param>
/// <param name="Action">What.</param>
/// <param name="Target">On what.</param>
/// <param name="Details">The details as stored, a JSON object in text: the hash covers these exact characters.</param>
/// <param name="PrevHash">The <paramref name="Hash"/> of the entry before (<see cref="AuditHash.Genesis"/> for the first).</param>
/// <param name="Hash">SHA-256 (lower-case hex) of the canonical form of all the fields above (<see cref="AuditHash"/>).</param>
public sealed record AuditEntry(long Sequence, DateTimeOffset At, string Actor, string Action, string Target, string Details, string PrevHash, string Hash);

/// <summary>
/// Action names recorded by the fleet manager. Other features add theirs in the same <c>area.verb</c> form; a name once written
/// must keep its meaning, since auditors search by it.
/// </summary>
public static class AuditActions
{
    /// <summary>A successful sign-in with a password.</summary>
    public const string Login = "auth.login";

    /// <summary>
    /// A refused sign-in (unknown name, wrong password, disabled account, locked out): the first of an actor and address at
    /// once, the others of the interval as one entry whose details carry <c>count</c>, <c>from</c> and <c>to</c>.
    /// </summary>
    public const string LoginFailed = "auth.login_failed";

    /// <summary>Repeated refused sign-ins locked an account name or a client address out for a while.</summary>
    public const string LoginLockout = "auth.lockout";

    /// <summary>A sign-out.</summary>
    public const string Logout = "auth.logout";

    /// <summary>An account changed its own password.</summary>
    public const string PasswordChanged = "auth.password_changed";

    /// <summary>An API token was created (its secret is never recorded).</summary>
    public const string TokenCreated = "token.create";

    /// <summary>An API token was revoked.</summary>
    public const string TokenRevoked = "token.revoke";

    /// <summary>An account was created.</summary>
    public const string AccountCreated = "account.create";

    /// <summary>An account's role, designation, training or status changed.</summary>
    public const string AccountUpdated = "account.update";

    /// <summary>An administrator set an account's password.</summary>
    public const string AccountPasswordSet = "account.password_set";

    /// <summary>An operator confirmed or dismissed an alert.</summary>
    public const string AlertDecision = "alert.decision";

    /// <summary>The retention job deleted expired alerts or heartbeats.</summary>
    public const string RetentionPurge = "retention.purge";

    /// <summary>A device was enrolled.</summary>
    public const string DeviceEnrolled = "device.enrol";

    /// <summary>A device's enrolment was revoked.</summary>
    public const string DeviceRevoked = "device.revoke";

    /// <summary>A device or camera configuration changed.</summary>
    public const string ConfigurationChanged = "config.change";

    /// <summary>A prefect's authorisation was recorded, changed or withdrawn.</summary>
    public const string AuthorisationChanged = "authorisation.change";

    /// <summary>The open alerts of a device that stayed offline past the grace period were ended as interrupted.</summary>
    public const string AlertsInterrupted = "alert.interrupted";
}
