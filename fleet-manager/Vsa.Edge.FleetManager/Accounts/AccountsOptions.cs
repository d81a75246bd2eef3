using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>Sign-in settings, section <c>Fleet:Accounts</c>.</summary>
public sealed class AccountsOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Accounts";

    /// <summary>
    /// How long a browser session lasts without activity (sliding). Default 8 hours, one CSU shift; a session also ends when
    /// the account's password, role or status changes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Longest lifetime of an API token, in days. Default 365; a token is created for 90 days unless asked otherwise.</summary>
    [Range(1, 3650)]
    public int TokenMaxDays { get; set; } = 365;
}
