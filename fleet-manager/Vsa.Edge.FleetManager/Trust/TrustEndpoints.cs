using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Broker;

namespace Vsa.Edge.FleetManager.Trust;

/// <summary>
/// Device trust over HTTP: enrolment tokens (administrators), enrolment by CSR (anonymous, authorised by a token), device
/// revocation (administrators).
/// </summary>
public static partial class TrustEndpoints
{
    /// <summary>Longest site name.</summary>
    public const int MaxSiteLength = 100;

    /// <summary>
    /// Maps <c>POST/GET /api/enrolment-tokens</c>, <c>DELETE /api/enrolment-tokens/{id}</c>, <c>POST /api/enrol</c>,
    /// <c>POST /api/devices/{deviceId}/revoke</c> and <c>GET /api/trust/signing-key</c> (administrators: the desired-state
    /// public key, to trust on an unmanaged device).
    /// </summary>
    public static IEndpointRouteBuilder MapTrustApi(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/api/enrolment-tokens").RequireAuthorization(FleetPolicies.Manage);
        tokens.MapPost("/", CreateTokenAsync).WithName("CreateEnrolmentToken");
        tokens.MapGet("/", async (EnrolmentStore store, CancellationToken ct) => TypedResults.Ok(await store.ListTokensAsync(ct))).WithName("ListEnrolmentTokens");
        tokens.MapDelete("/{id:long}", RevokeTokenAsync).WithName("RevokeEnrolmentToken");

        // Anonymous by design: the device has no account; the single-use, expiring token is its authorisation.
        app.MapPost("/api/enrol", EnrolAsync).AllowAnonymous().WithName("Enrol");
        app.MapPost("/api/devices/{deviceId}/revoke", RevokeDeviceAsync).RequireAuthorization(FleetPolicies.Manage).WithName("RevokeDevice");
        app.MapGet("/api/trust/signing-key", (DesiredStateSigningKey key) => TypedResults.Ok(key.View))
            .RequireAuthorization(FleetPolicies.Manage).WithName("DesiredStateSigningKey");
        app.MapGet("/api/trust/ca.crt", (FleetCertificateAuthority authority) => TypedResults.Text(authority.CertificatePem, "application/x-pem-file"))
            .AllowAnonymous().WithName("FleetCaCertificate");
        return app;
    }

    private static async Task<Results<Created<CreatedEnrolmentToken>, ValidationProblem>> CreateTokenAsync(
        EnrolmentTokenRequest request, ClaimsPrincipal user, EnrolmentStore store, IOptions<TrustOptions> options, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var errors = new Dictionary<string, string[]>();
        var site = request.Site?.Trim();
        if (string.IsNullOrEmpty(site) || site.Length > MaxSiteLength || site.Any(char.IsControl))
        {
            errors["site"] = [$"site is required: 1 to {MaxSiteLength} printable characters."];
        }

        var validFor = request.ValidFor ?? settings.DefaultTokenLifetime;
        if (validFor <= TimeSpan.Zero || validFor > settings.MaxTokenLifetime)
        {
            errors["validFor"] = [$"validFor must be positive and at most {settings.MaxTokenLifetime} ({TrustOptions.SectionName}:MaxTokenLifetime)."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid enrolment token request");
        }

        var created = await store.CreateTokenAsync(FleetClaims.Name(user), site!, validFor, cancellationToken);
        return TypedResults.Created($"/api/enrolment-tokens/{created.Id}", created);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeTokenAsync(long id, ClaimsPrincipal user, EnrolmentStore store, CancellationToken cancellationToken) =>
        await store.RevokeTokenAsync(FleetClaims.Name(user), id, cancellationToken) switch
        {
            true => TypedResults.NoContent(),
            false => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Token not revocable", detail: $"Enrolment token {id} was already used or withdrawn."),
            null => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Token not found", detail: $"No enrolment token has the id {id}."),
        };

    private static async Task<Results<Ok<EnrolmentResponse>, ValidationProblem, ProblemHttpResult>> EnrolAsync(
        EnrolmentRequest request, HttpContext context, EnrolmentStore store, FleetCertificateAuthority authority, DesiredStateSigningKey signing,
        IOptions<TrustOptions> trust, IOptions<BrokerOptions> broker, Suspensions.SuspensionService suspensions, ILoggerFactory loggers,
        ModelUpdates.ModelSigningKeyring modelKeys, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(TrustEndpoints));
        if (string.IsNullOrWhiteSpace(request.Token))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["token"] = ["token is required."] }, title: "Invalid enrolment request");
        }

        if (!DeviceCsr.TryParse(request.CsrPem, out var csr, out var error))
        {
            LogRefused(logger, "CSR", error);
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["csrPem"] = [error] }, title: "Invalid certificate signing request", detail: error);
        }

        var (refusal, issued) = await store.EnrolAsync(request.Token.Trim(), csr, FleetClientOptions.ReservedClientIds(broker.Value), cancellationToken);
        if (issued is null)
        {
            LogRefused(logger, csr.DeviceId, refusal.ToString());
            return refusal switch
            {
                EnrolmentRefusal.UnknownToken => Problem(StatusCodes.Status401Unauthorized, "Enrolment token refused", "No enrolment token matches: check it was copied whole."),
                EnrolmentRefusal.TokenUsed => Problem(StatusCodes.Status403Forbidden, "Enrolment token refused", "This enrolment token was already used; each token enrols one device. Ask an administrator for a new one."),
                EnrolmentRefusal.TokenExpired => Problem(StatusCodes.Status403Forbidden, "Enrolment token refused", "This enrolment token has expired. Ask an administrator for a new one."),
                EnrolmentRefusal.TokenRevoked => Problem(StatusCodes.Status403Forbidden, "Enrolment token refused", "This enrolment token was withdrawn by an administrator."),
                EnrolmentRefusal.AlreadyEnrolled => Problem(StatusCodes.Status409Conflict, "Device already enrolled", $"Device '{csr.DeviceId}' already has an active certificate. An administrator must revoke it (POST /api/devices/{csr.DeviceId}/revoke) before it is enrolled again."),
                _ => Problem(StatusCodes.Status409Conflict, "Reserved device id", $"'{csr.DeviceId}' is one of the fleet's own MQTT client ids ({BrokerOptions.SectionName}:ClientId and its \"{FleetClientOptions.ConfigPublisherSuffix}\" publisher) and cannot be a device id."),
            };
        }

        var settings = broker.Value;
        var endpoint = new BrokerEndpoint(
            trust.Value.DeviceBrokerHost ?? context.Request.Host.Host,
            trust.Value.DeviceBrokerPort ?? (settings.Mode == BrokerMode.Embedded ? settings.TlsPort : settings.Port));
        LogEnrolled(logger, issued.DeviceId, issued.Site, issued.Serial);

        // A site or global suspension in force covers this new device too: its signed state is retained before it connects.
        await suspensions.RefreshAsync(cancellationToken);
        return TypedResults.Ok(new EnrolmentResponse(issued.DeviceId, issued.Site, issued.Serial, issued.NotAfter, issued.CertificatePem, authority.CertificatePem, endpoint, [signing.View], modelKeys.Views));
    }

    private static async Task<Results<Ok<RevocationResult>, ValidationProblem, ProblemHttpResult>> RevokeDeviceAsync(
        string deviceId, RevocationRequest? request, ClaimsPrincipal user, DeviceRevocation revocation, CancellationToken cancellationToken)
    {
        if (request?.Reason is { Length: > 500 })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["reason is at most 500 characters."] }, title: "Invalid revocation");
        }

        var result = await revocation.RevokeAsync(FleetClaims.Name(user), deviceId, request?.Reason, cancellationToken);
        return result is null
            ? Problem(StatusCodes.Status404NotFound, "No active certificate", $"Device '{deviceId}' has no active certificate to revoke.")
            : TypedResults.Ok(result);
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(statusCode: status, title: title, detail: detail);

    [LoggerMessage(EventId = 12709, Level = LogLevel.Information, Message = "Enrolled device {DeviceId} (site {Site}, certificate {Serial})")]
    private static partial void LogEnrolled(ILogger logger, string deviceId, string site, string serial);

    [LoggerMessage(EventId = 12710, Level = LogLevel.Warning, Message = "Enrolment refused for {DeviceId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string deviceId, string reason);
}
