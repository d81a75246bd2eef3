namespace Vsa.Edge.Contracts;

/// <summary>What a device asks on <see cref="Topics.CertificateRequest"/>.</summary>
public enum CertificateRequestKind
{
    /// <summary>Sign <see cref="CertificateRequestMessage.CsrPem"/> (a new key) to replace the certificate the device holds.</summary>
    Renew,

    /// <summary>The device now connects with <see cref="CertificateRequestMessage.Serial"/>: revoke its other certificates.</summary>
    Switched,
}

/// <summary>
/// A device's certificate request, published (QoS 1, not retained) on its own <see cref="Topics.CertificateRequest"/> over the
/// mutual-TLS connection its current certificate opened: the broker's access rules prove which device speaks, the fleet checks
/// that <paramref name="Serial"/> is that device's certificate and still active (not revoked, not expired).
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="DeviceId">The device (the topic's, the certificate's CN).</param>
/// <param name="RequestId">Random id the answer repeats.</param>
/// <param name="Kind">Renew or switched.</param>
/// <param name="Serial">Renew: the certificate the device connects with now. Switched: the new certificate it now connects with.</param>
/// <param name="CsrPem">Renew: PKCS #10 request for a new key, CN = the device id. Switched: null.</param>
/// <param name="At">When the device sent it.</param>
public sealed record CertificateRequestMessage(string Schema, int SchemaVersion, string DeviceId, string RequestId, CertificateRequestKind Kind, string Serial, string? CsrPem, DateTimeOffset At)
{
    /// <summary>Schema identifier.</summary>
    public const string SchemaId = "vsa.certificate.request";

    /// <summary>Current schema version.</summary>
    public const int CurrentVersion = 1;
}

/// <summary>
/// The fleet's answer on <see cref="Topics.CertificateIssued"/> (QoS 1, not retained), inside a signed envelope
/// (<see cref="Signing.SignedMessage"/>, schema <see cref="SchemaId"/>): the new certificate, or why there is none.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="RequestId">The request answered.</param>
/// <param name="Serial">The new certificate's serial (hex), null when refused.</param>
/// <param name="NotAfter">Its expiry.</param>
/// <param name="CertificatePem">The new certificate, null when refused.</param>
/// <param name="Refusal">Why the request was refused (names what is wrong), null when issued.</param>
/// <param name="At">When the fleet answered.</param>
public sealed record CertificateIssuedMessage(string Schema, int SchemaVersion, string DeviceId, string RequestId, string? Serial, DateTimeOffset? NotAfter, string? CertificatePem, string? Refusal, DateTimeOffset At)
{
    /// <summary>Schema identifier.</summary>
    public const string SchemaId = "vsa.certificate.issued";

    /// <summary>Current schema version.</summary>
    public const int CurrentVersion = 1;
}
