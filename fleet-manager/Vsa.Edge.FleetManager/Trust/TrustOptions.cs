using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Trust;

/// <summary>Device trust settings, section <c>Fleet:Trust</c>: the fleet CA, enrolment tokens, device certificates.</summary>
public sealed class TrustOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Trust";

    /// <summary>
    /// Common name of the fleet's own MQTT identity (the ingestion client). It contains a dot, which a device id never does,
    /// so no enrolled device can ever hold it: the CA signs a device certificate only for a validated device id.
    /// </summary>
    public const string ServiceIdentity = "vsa-fleet.service";

    /// <summary>
    /// Folder holding the fleet CA (<c>ca.crt</c>, <c>ca.key</c> mode 0600) and the certificate revocation list
    /// (<c>crl.pem</c>). Default: <c>trust</c> under <c>Fleet:Storage:DataDirectory</c>. Back it up: losing <c>ca.key</c> means
    /// enrolling every device again.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>
    /// The desired-state signing key (ECDSA P-256, PKCS #8 PEM, mode 0600): set it to keep the key elsewhere than the data
    /// folder (another volume, a secrets mount); it must then exist. Default: <c>signing/desired-state.key</c> under
    /// <c>Fleet:Storage:DataDirectory</c>, created at first start. Not the CA key. Back it up: losing it means giving every
    /// device a new key (enrol it again, or set <c>Agent:TrustedSigningKeys</c>).
    /// </summary>
    public string? DesiredStateKeyPath { get; set; }

    /// <summary>
    /// Extra DNS names or IP addresses of the broker's server certificate, besides <c>localhost</c>, <c>127.0.0.1</c> and
    /// <c>::1</c>: the names devices use to reach the broker (for example <c>fleet.csu.example</c>, <c>10.0.0.5</c>).
    /// </summary>
    public IList<string> ServerHostNames { get; } = [];

    /// <summary>Lifetime of a device certificate. Default 365 days.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan DeviceCertificateLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// Warn about a device certificate (log, <c>GET /api/trust/certificates</c>, metric <c>vsa.fleet.certificates.expiring</c>)
    /// this long before its end. Default 30 days. A quarter of it is the warning window of the fleet's service certificate.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan ExpiryWarning { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Fraction of a device certificate's lifetime after which a device that has not renewed it "missed its renewal" (the agent
    /// renews from <c>Agent:Renewal:RenewAfter</c>, default 0.66). Default 0.75.
    /// </summary>
    [Range(0.1, 0.99)]
    public double RenewalMissedAfter { get; set; } = 0.75;

    /// <summary>Warn this long before the fleet CA expires. Default 365 days.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan CaExpiryWarning { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Longest validity an administrator may give an enrolment token. Default 7 days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Validity of a token created without one. Default 24 hours.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan DefaultTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The broker host returned to an enrolled device. Default: the host name the device used to reach this API (the broker
    /// is embedded in the same process). Set it when devices reach the broker under another name, or with an external broker.
    /// </summary>
    public string? DeviceBrokerHost { get; set; }

    /// <summary>
    /// The broker port returned to an enrolled device. Default: <c>Fleet:Broker:TlsPort</c> in embedded mode,
    /// <c>Fleet:Broker:Port</c> in external mode.
    /// </summary>
    [Range(1, 65535)]
    public int? DeviceBrokerPort { get; set; }
}

/// <summary>Cross-field rules of <see cref="TrustOptions"/>.</summary>
public sealed class TrustOptionsValidator : IValidateOptions<TrustOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TrustOptions options)
    {
        var failures = new List<string>();
        if (options.DefaultTokenLifetime > options.MaxTokenLifetime)
        {
            failures.Add($"{TrustOptions.SectionName}:DefaultTokenLifetime must not exceed MaxTokenLifetime.");
        }

        foreach (var host in options.ServerHostNames)
        {
            if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
            {
                failures.Add($"{TrustOptions.SectionName}:ServerHostNames: '{host}' is neither a DNS name nor an IP address.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The device id rule, shared by enrolment, the broker and the topic policy.</summary>
public static partial class DeviceIds
{
    /// <summary>What a device id looks like, for messages.</summary>
    public const string Rule = "3 to 63 characters: lower-case letters, digits and '-', starting with a letter or a digit";

    /// <summary>Whether <paramref name="deviceId"/> is a valid device id (it can then be one topic level and one certificate CN).</summary>
    public static bool IsValid(string? deviceId) => deviceId is not null && Pattern().IsMatch(deviceId);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,62}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Pattern();
}
