using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Server;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Tests.Commands;

/// <summary><c>vsa-agent enrol</c> against a fake fleet API that signs with a test CA, then the publisher over mutual TLS.</summary>
public sealed class EnrolCommandTests : IDisposable
{
    private readonly TestCertificateAuthority _ca = new();
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("vsa-enrol-");

    public void Dispose()
    {
        _ca.Dispose();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task Enrol_FleetSigns_StoresKey0600CertificateAndCa_KeyNeverSent()
    {
        using var fleet = new FakeFleet(_ca, "good-token");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await EnrolCommand.RunAsync(Args("good-token"), stdout, stderr, fleet);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr.ToString());
        var credentials = Path.Combine(_data.FullName, "credentials");
        var keyPath = Path.Combine(credentials, DeviceCredentials.KeyFileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        }

        using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(credentials, DeviceCredentials.CertificateFileName), keyPath);
        Assert.Equal("pole-12", certificate.GetNameInfo(X509NameType.SimpleName, false));
        Assert.True(_ca.Issued(certificate));
        var sent = Assert.Single(fleet.Requests);
        Assert.DoesNotContain("PRIVATE KEY", sent, StringComparison.Ordinal);
        Assert.Contains("CERTIFICATE REQUEST", sent, StringComparison.Ordinal);
        Assert.Contains("\"CredentialsDirectory\"", stdout.ToString(), StringComparison.Ordinal);
        var trusted = SigningKeys.ReadPublicKeys(File.ReadAllText(Path.Combine(credentials, DeviceCredentials.SigningKeysFileName)));
        Assert.Equal(TestSigning.Fleet.KeyId, SigningKeys.KeyId(Assert.Single(trusted)));
        Assert.Equal([TestSigning.Fleet.KeyId], TrustedSigningKeys.Load(new AgentOptions { DeviceId = "pole-12" }, new MqttOptions { CredentialsDirectory = credentials }).KeyIds);
    }

    [Fact]
    public async Task Enrol_FleetGivesModelSigningKeys_StoredOwnerOnlyBesideTheCredentials()
    {
        using var model = MessageSigner.CreateNew();
        using var fleet = new FakeFleet(_ca, "good-token") { ModelSigningKeys = [Convert.ToBase64String(model.SubjectPublicKeyInfo)] };

        var code = await EnrolCommand.RunAsync(Args("good-token"), TextWriter.Null, TextWriter.Null, fleet);

        Assert.Equal(0, code);
        var store = new Vsa.Edge.Agent.Models.ModelSigningKeyStore(Path.Combine(_data.FullName, "credentials", Vsa.Edge.Agent.Models.ModelSigningKeyStore.FileName));
        Assert.Equal(model.SubjectPublicKeyInfo, Assert.Single(store.Read()));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
        }
    }

    [Fact]
    public async Task Enrol_ModelSigningKeyNotAP256Key_RefusedAndNothingStored()
    {
        using var fleet = new FakeFleet(_ca, "good-token") { ModelSigningKeys = [Convert.ToBase64String("not a key"u8.ToArray())] };
        using var stderr = new StringWriter();

        var code = await EnrolCommand.RunAsync(Args("good-token"), TextWriter.Null, stderr, fleet);

        Assert.Equal(1, code);
        Assert.Contains("modelSigningKeys[0] is not a base64 P-256 public key (SubjectPublicKeyInfo)", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_data.FullName, "credentials")));
    }

    [Fact]
    public async Task Enrol_SigningKeyIdDoesNotMatchTheKey_RefusedAndNothingStored()
    {
        using var fleet = new FakeFleet(_ca, "good-token") { SigningKeyId = new string('0', 64) };
        using var stderr = new StringWriter();

        var code = await EnrolCommand.RunAsync(Args("good-token"), TextWriter.Null, stderr, fleet);

        Assert.Equal(1, code);
        Assert.Contains($"the signing key announced as {new string('0', 64)} does not have that key id; nothing was stored", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_data.FullName, "credentials")));
    }

    [Fact]
    public async Task Enrol_Refused_PrintsTheFleetsReasonAndStoresNothing()
    {
        using var fleet = new FakeFleet(_ca, "good-token");
        using var stderr = new StringWriter();

        var code = await EnrolCommand.RunAsync(Args("used-token"), TextWriter.Null, stderr, fleet);

        Assert.Equal(1, code);
        Assert.Contains("(403): This enrolment token was already used", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_data.FullName, "credentials")));
    }

    [Theory]
    [InlineData("Pole_12")]
    [InlineData("ab")]
    public async Task Enrol_BadDeviceId_UsageErrorWithoutContactingTheFleet(string deviceId)
    {
        using var fleet = new FakeFleet(_ca, "good-token");
        using var stderr = new StringWriter();

        var code = await EnrolCommand.RunAsync(["--fleet", "http://fleet.test/", "--token", "good-token", "--device-id", deviceId, "--data-dir", _data.FullName], TextWriter.Null, stderr, fleet);

        Assert.Equal(2, code);
        Assert.Contains(deviceId, stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(fleet.Requests);
    }

    [Fact]
    public async Task Enrol_AlreadyEnrolled_KeepsTheExistingKey()
    {
        using var fleet = new FakeFleet(_ca, "good-token");
        Assert.Equal(0, await EnrolCommand.RunAsync(Args("good-token"), TextWriter.Null, TextWriter.Null, fleet));
        var keyPath = Path.Combine(_data.FullName, "credentials", DeviceCredentials.KeyFileName);
        var before = await File.ReadAllTextAsync(keyPath);
        using var stderr = new StringWriter();

        var code = await EnrolCommand.RunAsync(Args("good-token"), TextWriter.Null, stderr, fleet);

        Assert.Equal(2, code);
        Assert.Contains("already enrolled", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(keyPath));
    }

    [Fact]
    public async Task Publisher_WithEnrolledCredentials_ConnectsOverMutualTlsAsTheDeviceId()
    {
        using var fleet = new FakeFleet(_ca, "good-token");
        Assert.Equal(0, await EnrolCommand.RunAsync(Args("good-token"), TextWriter.Null, TextWriter.Null, fleet));
        using var serverCertificate = _ca.IssueServer();
        var port = InProcessBroker.FreePort();
        using var server = TlsBroker(serverCertificate, port);
        var connected = new TaskCompletionSource<(string ClientId, string? Cn)>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.ValidatingConnectionAsync += e =>
        {
            connected.TrySetResult((e.ClientId, e.ClientCertificate?.GetNameInfo(X509NameType.SimpleName, false)));
            return Task.CompletedTask;
        };
        await server.StartAsync();
        var options = new MqttOptions { Host = "127.0.0.1", Port = port, CredentialsDirectory = Path.Combine(_data.FullName, "credentials") };
        Assert.True(new MqttOptionsValidator().Validate(null, options).Succeeded);
        using var outbox = new SqliteAlertOutbox(_data.FullName, "pole-12", new OutboxOptions(), TimeProvider.System, NullLogger<SqliteAlertOutbox>.Instance);
        await using var publisher = new MqttPublisher(options, "pole-12", outbox, TimeProvider.System, NullLogger<MqttPublisher>.Instance);

        await publisher.StartAsync(CancellationToken.None);
        var ok = await publisher.WaitConnectedAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        var (clientId, cn) = await connected.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(ok);
        Assert.Equal("pole-12", clientId);
        Assert.Equal("pole-12", cn);
        await publisher.StopAsync(CancellationToken.None);
        await server.StopAsync();
    }

    [Fact]
    public async Task Publisher_BrokerPresentsAClientOnlyCertificateOfTheFleetCa_RefusesIt()
    {
        using var fleet = new FakeFleet(_ca, "good-token");
        Assert.Equal(0, await EnrolCommand.RunAsync(Args("good-token"), TextWriter.Null, TextWriter.Null, fleet));

        // Signed by the fleet CA, valid for 127.0.0.1, but for client authentication only: another device's, not the broker's.
        using var clientOnly = _ca.IssueServer(serverAuthentication: false);
        var port = InProcessBroker.FreePort();
        using var server = TlsBroker(clientOnly, port);
        var reachedMqtt = false;
        server.ValidatingConnectionAsync += _ =>
        {
            reachedMqtt = true;
            return Task.CompletedTask;
        };
        await server.StartAsync();
        using var logs = new RecordingLoggerProvider();
        using var loggers = logs.CreateFactory();
        var options = new MqttOptions { Host = "127.0.0.1", Port = port, CredentialsDirectory = Path.Combine(_data.FullName, "credentials") };
        using var outbox = new SqliteAlertOutbox(_data.FullName, "pole-12", new OutboxOptions(), TimeProvider.System, NullLogger<SqliteAlertOutbox>.Instance);
        await using var publisher = new MqttPublisher(options, "pole-12", outbox, TimeProvider.System, loggers.CreateLogger<MqttPublisher>());

        await publisher.StartAsync(CancellationToken.None);
        var failed = await logs.WaitForAsync(e => e.EventId == 4001);

        Assert.Contains("127.0.0.1", failed.Message, StringComparison.Ordinal);
        Assert.False(await publisher.WaitConnectedAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(reachedMqtt);
        await publisher.StopAsync(CancellationToken.None);
        await server.StopAsync();
    }

    [Fact]
    public void Validator_PartialOrMissingCredentials_NamesTheProblem()
    {
        var partial = new MqttOptionsValidator().Validate(null, new MqttOptions { CaFile = "/nowhere/ca.crt" });
        var missing = new MqttOptionsValidator().Validate(null, new MqttOptions { CredentialsDirectory = "/nowhere" });

        Assert.Contains("go together", partial.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("/nowhere/device.key", missing.FailureMessage, StringComparison.Ordinal);
    }

    // A broker on 127.0.0.1 over TLS presenting this certificate, accepting only device certificates of the test CA.
    private MqttServer TlsBroker(X509Certificate2 certificate, int port) => new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder()
        .WithoutDefaultEndpoint()
        .WithEncryptedEndpoint()
        .WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback)
        .WithEncryptedEndpointPort(port)
        .WithEncryptionCertificate(certificate)
        .WithClientCertificate((_, client, _, _) => client is not null && _ca.Issued(client))
        .Build());

    private string[] Args(string token) => ["--fleet", "http://fleet.test/", "--token", token, "--device-id", "pole-12", "--data-dir", _data.FullName];

    /// <summary>Answers <c>POST /api/enrol</c> as the fleet does: signs the CSR for the right token, a problem otherwise.</summary>
    private sealed class FakeFleet(TestCertificateAuthority ca, string token) : HttpMessageHandler
    {
        private bool _used;

        public List<string> Requests { get; } = [];

        /// <summary>The <c>modelSigningKeys</c> answered (base64 SPKI); null: none (a fleet before model delivery).</summary>
        public string[]? ModelSigningKeys { get; init; }

        /// <summary>The key id announced beside the desired-state key; null: its real one.</summary>
        public string? SigningKeyId { get; init; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal(HttpMethod.Post, request.Method);
            Assert.Equal("/api/enrol", request.RequestUri!.AbsolutePath);
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            Requests.Add(body);
            var json = JsonNode.Parse(body)!;
            if (json["token"]!.GetValue<string>() != token || _used)
            {
                return new HttpResponseMessage(HttpStatusCode.Forbidden)
                {
                    Content = new StringContent("""{"title":"Enrolment token refused","status":403,"detail":"This enrolment token was already used."}""", Encoding.UTF8, "application/problem+json"),
                };
            }

            _used = true;
            using var certificate = ca.SignDevice(json["csrPem"]!.GetValue<string>());
            var answer = new JsonObject
            {
                ["deviceId"] = "pole-12",
                ["site"] = "Nice",
                ["certificatePem"] = certificate.ExportCertificatePem(),
                ["caCertificatePem"] = ca.Certificate.ExportCertificatePem(),
                ["notAfter"] = certificate.NotAfter.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["mqtt"] = new JsonObject { ["host"] = "fleet.test", ["port"] = 8883 },
                ["signingKeys"] = new JsonArray(new JsonObject { ["keyId"] = SigningKeyId ?? TestSigning.Fleet.KeyId, ["algorithm"] = "ES256", ["publicKeyPem"] = TestSigning.Fleet.PublicKeyPem }),
            };
            if (ModelSigningKeys is { } modelKeys)
            {
                answer["modelSigningKeys"] = new JsonArray([.. modelKeys.Select(k => JsonValue.Create(k))]);
            }

            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer.ToJsonString(), Encoding.UTF8, "application/json") };
        }
    }
}
