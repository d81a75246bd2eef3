using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>Sign-in settings, section <c>Fleet:Accounts</c>.</summary>
public sealed class AccountsOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Accounts";

    /// <summary>
    /// Idle lifetime: how long a browser session lasts without a request (sliding). Default 8 hours, one CSU shift; a session
    /// also ends at sign-out, when the account's password, role or status changes, and after <see cref="SessionAbsoluteLifetime"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// Absolute lifetime: a browser session ends this long after its sign-in, however active. Default 12 hours (a shift and
    /// its overlap); at least <see cref="SessionLifetime"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan SessionAbsoluteLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// Failed sign-ins for one account name (existing or not) within <see cref="LockoutDuration"/> after which that name is
    /// refused with 429 for <see cref="LockoutDuration"/>, right password included. Default 5.
    /// </summary>
    [Range(1, 1000)]
    public int LockoutThreshold { get; set; } = 5;

    /// <summary>
    /// Failed sign-ins from one client address, whatever the names, after which the address is refused with 429 for
    /// <see cref="LockoutDuration"/>. Default 20 (several people may share an address behind a NAT).
    /// </summary>
    [Range(1, 100_000)]
    public int AddressLockoutThreshold { get; set; } = 20;

    /// <summary>How long failures are counted, and how long a lockout lasts. Default 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Sign-in requests one client address may make per minute, successful or not (ASP.NET Core's rate limiter, a token
    /// bucket; the excess is answered 429 before any work). Default 10.
    /// </summary>
    [Range(1, 10_000)]
    public int SignInRequestsPerMinute { get; set; } = 10;

    /// <summary>
    /// Password hashes (600,000 PBKDF2 iterations, ~0.2 s of one core each) computed at once for sign-ins and password
    /// changes; the others wait in a queue of <see cref="HashQueueLimit"/>. Default: half the processor cores, at least 1, so
    /// that a flood of sign-ins leaves cores to the operators' API.
    /// </summary>
    [Range(1, 256)]
    public int HashConcurrency { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Sign-ins waiting for a hash slot; beyond it the sign-in is answered 429 at once. Default 8.</summary>
    [Range(0, 10_000)]
    public int HashQueueLimit { get; set; } = 8;

    /// <summary>
    /// Sign-ins of one client address hashing or waiting for a hash at once; beyond it that address is answered 429 at once,
    /// so that one address cannot fill the queue of <see cref="HashQueueLimit"/> and keep the operators out. Default 2.
    /// </summary>
    [Range(1, 10_000)]
    public int HashPerAddress { get; set; } = 2;

    /// <summary>
    /// Failed sign-ins are audited as one entry for the first failure of an account name and client address, then one entry
    /// per such pair and interval with the count of the others. Default 15 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan FailureAuditInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Longest lifetime of an API token, in days. Default 365; a token is created for 90 days unless asked otherwise.</summary>
    [Range(1, 3650)]
    public int TokenMaxDays { get; set; } = 365;
}

/// <summary>Cross-field rules of <see cref="AccountsOptions"/>.</summary>
public sealed class AccountsOptionsValidator : IValidateOptions<AccountsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AccountsOptions options) =>
        options.SessionAbsoluteLifetime < options.SessionLifetime
            ? ValidateOptionsResult.Fail($"{AccountsOptions.SectionName}:SessionAbsoluteLifetime ({options.SessionAbsoluteLifetime}) must be at least SessionLifetime ({options.SessionLifetime}).")
            : ValidateOptionsResult.Success;
}
