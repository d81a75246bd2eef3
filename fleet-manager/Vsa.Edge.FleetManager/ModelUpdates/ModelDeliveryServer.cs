using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.ModelUpdates;

/// <summary>
/// The device download endpoint: its own Kestrel server on <see cref="ModelOptions.DeliveryPort"/>, HTTPS with the broker's
/// server certificate (from the fleet CA, which devices trust), a client certificate required at the handshake and checked
/// there (chained to the fleet CA, client authentication, valid now), then at each request its serial active in the database
/// (not revoked). The device is the certificate's CN. It serves one route, <c>GET /device/v1/models/{sha256}</c>, and only a
/// package the device's current desired state names (404 otherwise, the same answer as for a package that does not exist:
/// no oracle), with HTTP Range (206) for resumed downloads. Nothing else of the fleet's API is reachable on this port, and
/// nothing of it depends on the broker (an external Mosquitto changes nothing).
/// </summary>
public sealed partial class ModelDeliveryServer(
    IOptions<ModelOptions> options, FleetCertificateAuthority authority, EnrolmentStore enrolment, ConfigStore configs, ModelPackageStore packages,
    ModelDeliveryUrls urls, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ModelDeliveryServer>();
    private WebApplication? _app;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.DeliveryPort == 0)
        {
            LogDisabled(_logger);
            return;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(ModelDeliveryServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ILoggerFactory>(loggerFactory);
        builder.Services.AddRouting();
        var certificate = authority.ServerCertificate;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Parse(settings.DeliveryBindAddress), settings.DeliveryPort, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = certificate,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (client, _, _) => ValidateClient(client),
            }));
        });
        var app = builder.Build();
        app.MapGet(ModelDeliveryUrls.PathPrefix + "{sha256}", ServeAsync);
        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is not null && Uri.TryCreate(address.Replace("0.0.0.0", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var bound))
        {
            urls.BoundPort = bound.Port;
        }

        LogListening(_logger, settings.DeliveryBindAddress, urls.BoundPort, urls.BaseUrl);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync();
        }
    }

    private bool ValidateClient(X509Certificate2 client)
    {
        var valid = authority.Verifies(client, FleetCertificateAuthority.ClientAuthOid);
        if (!valid)
        {
            LogHandshakeRefused(_logger, client.Subject);
        }

        return valid;
    }

    private async Task<IResult> ServeAsync(string sha256, HttpContext context, CancellationToken cancellationToken)
    {
        var certificate = context.Connection.ClientCertificate;
        var deviceId = certificate?.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (certificate is null || !DeviceIds.IsValid(deviceId) || !await enrolment.IsActiveAsync(deviceId!, certificate.SerialNumber, cancellationToken))
        {
            LogRefused(_logger, deviceId ?? "(none)", certificate?.SerialNumber ?? "(none)");
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Certificate not active", detail: "This client certificate is not an active device certificate of this fleet.");
        }

        // Only what this device is asked to run: a package named by another device's desired state is "not found" here.
        var desired = ModelPackageStore.IsSha256(sha256) ? await configs.FindDesiredAsync(deviceId!, cancellationToken) : null;
        var named = desired?.Message().Models?.Any(m => string.Equals(m.Sha256, sha256, StringComparison.Ordinal)) == true;
        var path = named ? packages.PathOf(sha256) : null;
        if (path is null || !File.Exists(path))
        {
            LogNotServed(_logger, deviceId!, sha256.Length > 64 ? sha256[..64] : sha256);
            return Results.NotFound();
        }

        var range = context.Request.Headers.Range.ToString();
        LogServing(_logger, deviceId!, sha256, range);
        return Results.File(path, "application/octet-stream", fileDownloadName: null, entityTag: new EntityTagHeaderValue($"\"{sha256}\""), enableRangeProcessing: true);
    }

    [LoggerMessage(EventId = 12320, Level = LogLevel.Information, Message = "Model delivery endpoint listening on https://{Address}:{Port} (devices use {BaseUrl})")]
    private static partial void LogListening(ILogger logger, string address, int port, string baseUrl);

    [LoggerMessage(EventId = 12321, Level = LogLevel.Warning, Message = "Model delivery endpoint is off (Fleet:Models:DeliveryPort is 0): devices cannot fetch models")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(EventId = 12322, Level = LogLevel.Warning, Message = "Model delivery: TLS client certificate refused: {Subject}")]
    private static partial void LogHandshakeRefused(ILogger logger, string subject);

    [LoggerMessage(EventId = 12323, Level = LogLevel.Warning, Message = "Model delivery refused to {DeviceId}: certificate {Serial} is revoked, expired or unknown")]
    private static partial void LogRefused(ILogger logger, string deviceId, string serial);

    [LoggerMessage(EventId = 12324, Level = LogLevel.Warning, Message = "Model delivery: {DeviceId} asked for {Sha256}, which its desired state does not name (404)")]
    private static partial void LogNotServed(ILogger logger, string deviceId, string sha256);

    [LoggerMessage(EventId = 12325, Level = LogLevel.Information, Message = "Model delivery: serving {Sha256} to {DeviceId} (range '{Range}')")]
    private static partial void LogServing(ILogger logger, string deviceId, string sha256, string range);
}
