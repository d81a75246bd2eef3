using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Trust;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Trust;

/// <summary>
/// A device's side of enrolment, as the agent does it: an ECDSA P-256 key made here (never sent), a CSR with CN = device id,
/// <c>POST /api/enrol</c>, then a real MQTT 5 client over mutual TLS with the returned certificate.
/// </summary>
public sealed class TrustedDevice : IDisposable
{
    private TrustedDevice(string deviceId, X509Certificate2 certificate, X509Certificate2 ca, EnrolmentResponse response)
    {
        DeviceId = deviceId;
        Certificate = certificate;
        Ca = ca;
        Response = response;
    }

    /// <summary>The device id.</summary>
    public string DeviceId { get; }

    /// <summary>The certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The fleet CA returned at enrolment.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>What the enrolment returned.</summary>
    public EnrolmentResponse Response { get; }

    /// <summary>A PEM CSR for <paramref name="subject"/> signed by <paramref name="key"/>.</summary>
    public static string Csr(string subject, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256).CreateSigningRequestPem(),
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem(),
        _ => throw new ArgumentException("ECDSA or RSA", nameof(key)),
    };

    /// <summary>Posts an enrolment request.</summary>
    public static Task<HttpResponseMessage> PostEnrolAsync(HttpClient http, string token, string csrPem) =>
        http.PostAsJsonAsync("/api/enrol", new EnrolmentRequest(token, csrPem), FleetJsonContext.Default.EnrolmentRequest);

    /// <summary>Creates a token as <paramref name="admin"/>.</summary>
    public static async Task<CreatedEnrolmentToken> CreateTokenAsync(HttpClient admin, string site = "Gare Saint-Charles", TimeSpan? validFor = null)
    {
        var response = await admin.PostAsJsonAsync("/api/enrolment-tokens", new EnrolmentTokenRequest(site, validFor), FleetJsonContext.Default.EnrolmentTokenRequest);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(FleetJsonContext.Default.CreatedEnrolmentToken))!;
    }

    /// <summary>Creates a token with <paramref name="admin"/> and enrols <paramref name="deviceId"/> with it.</summary>
    public static async Task<TrustedDevice> EnrolAsync(FleetApp fleet, HttpClient admin, string deviceId)
    {
        var token = await CreateTokenAsync(admin);
        return await EnrolAsync(fleet.Http, token.Token, deviceId);
    }

    /// <summary>Enrols <paramref name="deviceId"/> with <paramref name="token"/>; fails the test if refused.</summary>
    public static async Task<TrustedDevice> EnrolAsync(HttpClient http, string token, string deviceId)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var response = await PostEnrolAsync(http, token, Csr($"CN={deviceId}", key));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var enrolled = (await response.Content.ReadFromJsonAsync(FleetJsonContext.Default.EnrolmentResponse))!;
        using var certificate = X509Certificate2.CreateFromPem(enrolled.CertificatePem);
        return new TrustedDevice(deviceId, certificate.CopyWithPrivateKey(key), X509Certificate2.CreateFromPem(enrolled.CaCertificatePem), enrolled);
    }

    /// <summary>A client over mutual TLS to 127.0.0.1:<paramref name="port"/> (the broker's certificate must chain to <see cref="Ca"/>).</summary>
    public MqttClientOptions Options(int port, string? clientId = null) => TlsOptions(port, clientId ?? DeviceId, Certificate, Ca);

    /// <summary>Client options over TLS with an arbitrary client certificate (or none), and the agent's offline last will.</summary>
    public static MqttClientOptions TlsOptions(int port, string clientId, X509Certificate2? certificate, X509Certificate2 ca) =>
        new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithTimeout(FleetApp.Timeout)
            .WithWillTopic(Topics.Status(clientId))
            .WithWillPayload(JsonSerializer.Serialize(new StatusMessage(StatusMessage.SchemaId, StatusMessage.CurrentVersion, clientId, DeviceState.Offline, DateTimeOffset.UtcNow), ContractsJsonContext.Default.StatusMessage))
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(true)
            .WithTlsOptions(tls =>
            {
                tls.UseTls().WithCertificateValidationHandler(e => VerifiesServer(e.Certificate, ca));
                if (certificate is not null)
                {
                    tls.WithClientCertificates([certificate]);
                }
            })
            .Build();

    /// <summary>Connects, returning the client and the broker's answer (the client is connected only on success).</summary>
    public async Task<(IMqttClient Client, MqttClientConnectResult Result)> ConnectAsync(int port, string? clientId = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        var result = await client.ConnectAsync(Options(port, clientId), guard.Token);
        return (client, result);
    }

    /// <summary>Publishes <paramref name="alert"/> with QoS 1 to <paramref name="topic"/> and returns the PUBACK.</summary>
    public static async Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, AlertMessage alert)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(JsonSerializer.Serialize(alert, ContractsJsonContext.Default.AlertMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        return await client.PublishAsync(message, guard.Token);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate.Dispose();
        Ca.Dispose();
    }

    /// <summary>Whether <paramref name="certificate"/> (the broker's) chains to the fleet CA <paramref name="ca"/>.</summary>
    internal static bool VerifiesServer(System.Security.Cryptography.X509Certificates.X509Certificate certificate, X509Certificate2 ca)
    {
        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(server);
    }
}
