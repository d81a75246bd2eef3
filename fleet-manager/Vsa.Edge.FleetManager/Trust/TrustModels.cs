namespace Vsa.Edge.FleetManager.Trust;

/// <summary>Body of <c>POST /api/enrolment-tokens</c>.</summary>
/// <param name="Site">The site the enrolled device belongs to (1 to 100 characters), written in its certificate.</param>
/// <param name="ValidFor">How long the token may be used (<c>hh:mm:ss</c> or <c>d.hh:mm:ss</c>); default <see cref="TrustOptions.DefaultTokenLifetime"/>.</param>
public sealed record EnrolmentTokenRequest(string? Site, TimeSpan? ValidFor);

/// <summary>A token just created: the only time its secret is shown.</summary>
/// <param name="Id">Token id.</param>
/// <param name="Site">Its site.</param>
/// <param name="Token">The secret, for <c>vsa-agent enrol --token</c>. Stored only as its SHA-256.</param>
/// <param name="ExpiresAt">When it stops working.</param>
public sealed record CreatedEnrolmentToken(long Id, string Site, string Token, DateTimeOffset ExpiresAt);

/// <summary>A token as listed (never its secret).</summary>
/// <param name="Id">Token id.</param>
/// <param name="Site">Its site.</param>
/// <param name="CreatedBy">The administrator who created it.</param>
/// <param name="CreatedAt">When.</param>
/// <param name="ExpiresAt">When it stops working.</param>
/// <param name="UsedAt">When a device used it, if one did.</param>
/// <param name="UsedBy">The device that used it.</param>
/// <param name="RevokedAt">When an administrator withdrew it unused, if one did.</param>
public sealed record EnrolmentTokenView(long Id, string Site, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? UsedAt, string? UsedBy, DateTimeOffset? RevokedAt);

/// <summary>Body of <c>POST /api/enrol</c>.</summary>
/// <param name="Token">The enrolment token an administrator gave.</param>
/// <param name="CsrPem">The device's PKCS #10 request in PEM; subject CN = the device id. The private key stays on the device.</param>
public sealed record EnrolmentRequest(string? Token, string? CsrPem);

/// <summary>Where an enrolled device connects.</summary>
/// <param name="Host">Broker host.</param>
/// <param name="Port">Broker TLS port.</param>
public sealed record BrokerEndpoint(string Host, int Port);

/// <summary>Answer of <c>POST /api/enrol</c>.</summary>
/// <param name="DeviceId">The enrolled device id (its certificate's CN, its MQTT client id).</param>
/// <param name="Site">Its site.</param>
/// <param name="Serial">Certificate serial number (hex).</param>
/// <param name="NotAfter">When the certificate expires.</param>
/// <param name="CertificatePem">The device certificate.</param>
/// <param name="CaCertificatePem">The fleet CA, to verify the broker.</param>
/// <param name="Mqtt">Where to connect.</param>
/// <param name="SigningKeys">The public key(s) the fleet signs desired state with: the device applies only what one of them signed.</param>
/// <param name="ModelSigningKeys">
/// The model-signing public key(s) the fleet trusts (<c>Fleet:Models:SigningKeys</c>): the device accepts a model package only
/// when one of them (or one its signed desired state adds) signed it. Empty when none is configured.
/// </param>
public sealed record EnrolmentResponse(
    string DeviceId, string Site, string Serial, DateTimeOffset NotAfter, string CertificatePem, string CaCertificatePem, BrokerEndpoint Mqtt, IReadOnlyList<SigningKeyView> SigningKeys,
    IReadOnlyList<SigningKeyView>? ModelSigningKeys = null);

/// <summary>A public key the fleet signs desired state with (<c>GET /api/trust/signing-key</c>, and in every enrolment).</summary>
/// <param name="KeyId">Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo: the <c>keyId</c> of every envelope it signs.</param>
/// <param name="Algorithm">Always <c>ES256</c>: ECDSA P-256, SHA-256, signature in IEEE P1363 form (r‖s, 64 bytes).</param>
/// <param name="PublicKeyPem">The public key, PEM <c>PUBLIC KEY</c>.</param>
public sealed record SigningKeyView(string KeyId, string Algorithm, string PublicKeyPem);

/// <summary>Body of <c>POST /api/devices/{deviceId}/revoke</c> (optional).</summary>
/// <param name="Reason">Why (recorded in the audit log), at most 500 characters.</param>
public sealed record RevocationRequest(string? Reason);

/// <summary>Answer of a revocation.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="RevokedSerials">The certificates revoked.</param>
/// <param name="RevokedAt">When.</param>
public sealed record RevocationResult(string DeviceId, IReadOnlyList<string> RevokedSerials, DateTimeOffset RevokedAt);

/// <summary>Why an enrolment was refused.</summary>
public enum EnrolmentRefusal
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>No token has this secret.</summary>
    UnknownToken,

    /// <summary>The token was already used (single use).</summary>
    TokenUsed,

    /// <summary>The token expired.</summary>
    TokenExpired,

    /// <summary>An administrator withdrew the token.</summary>
    TokenRevoked,

    /// <summary>The device id already has an active certificate.</summary>
    AlreadyEnrolled,

    /// <summary>The device id is reserved (the fleet's own MQTT client id).</summary>
    ReservedId,
}
