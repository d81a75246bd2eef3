using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using Vsa.Edge.Testing;
using Xunit.Abstractions;
using static Vsa.Edge.EndToEnd.Tests.ManagedFleetRig;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// Certificate renewal across the built executables: a fleet-managed agent runs the demo clip and its alerts reach the fleet;
/// restarted with renewal due at once, it renews over its mutual-TLS connection (a new key), switches to the new certificate
/// and says so; the fleet revokes the old one. Alerts still flow, the old certificate and an expired one are refused by the
/// broker. Every wait follows the live stream or a process's log, each bounded by a guard.
/// </summary>
public sealed partial class CertificateRenewalEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = ReplayRun.NewWorkDir();

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Renew_RunningAgent_NewCertificateInUseOldRevokedAndRefusedAlertsFlowBeforeAndAfter()
    {
        await using var rig = await ManagedFleetRig.StartAsync(_work, output);
        using (var put = await rig.Http.PutAsJsonAsync($"/api/devices/{DeviceId}/config", new JsonObject { ["cameras"] = new JsonArray(Camera()), ["expectedVersion"] = 0 }))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        var before = await rig.Live.WaitForAsync("alert", IsDeviceAlert, Guard);
        rig.Mark($"alert {before.GetProperty("alertId").GetString()} stored with the enrolled certificate");
        using var enrolled = X509Certificate2.CreateFromPemFile(Path.Combine(rig.AgentCredentialsDirectory, "device.crt"), Path.Combine(rig.AgentCredentialsDirectory, "device.key"));
        using var exported = X509CertificateLoader.LoadPkcs12(enrolled.Export(X509ContentType.Pfx), null);

        // Restarted with renewal due at once.
        var restarted = TimeProvider.System.GetUtcNow();
        var seen = rig.Live.Count;
        await rig.RestartAgentAsync(offline: false, config => config["Agent"]!["Renewal"] = new JsonObject { ["RenewAfter"] = 0 });
        var renewed = await rig.Agent.WaitForLineAsync(l => l.Contains("Renewed certificate", StringComparison.Ordinal), Guard);
        await rig.Fleet.WaitForLineAsync(l => l.Contains("switched to certificate", StringComparison.Ordinal) && l.Contains("1 older certificate(s) revoked", StringComparison.Ordinal), Guard);
        var match = RenewedLine().Match(renewed);
        Assert.True(match.Success, renewed);
        var (oldSerial, newSerial, milliseconds) = (match.Groups["old"].Value, match.Groups["new"].Value, double.Parse(match.Groups["ms"].Value, CultureInfo.InvariantCulture));
        rig.Mark($"renewed {oldSerial} -> {newSerial} in {milliseconds:F0} ms (request published -> connected with the new certificate)");

        // Alerts after the switch: the restarted agent's new alert, stored by the fleet.
        await rig.Live.WaitUntilAsync(items => items.Skip(seen).Any(i => i.Type == "alert" && IsDeviceAlert(i.Data) && i.Data.GetProperty("state").GetString() == "start"), "an alert after the switch", Guard);
        rig.Mark("alert stored after the switch");

        Assert.Equal(enrolled.SerialNumber, oldSerial);
        using (var stored = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(rig.AgentCredentialsDirectory, "device.crt"))))
        {
            Assert.Equal(newSerial, stored.SerialNumber);
        }

        await using (var db = new SqliteConnection($"Data Source={Path.Combine(rig.FleetDataDirectory, "vsa-fleet.db")};Mode=ReadOnly"))
        {
            await db.OpenAsync();
            await using var command = db.CreateCommand();
            command.CommandText = "SELECT serial, revoked_at IS NOT NULL, COALESCE(revocation_reason, ''), renews_serial IS NULL FROM device_certificates WHERE device_id = $device ORDER BY issued_at;";
            command.Parameters.AddWithValue("$device", DeviceId);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<(string Serial, bool Revoked, string Reason, bool Enrolled)>();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.GetBoolean(1), reader.GetString(2), reader.GetBoolean(3)));
            }

            Assert.Equal([(oldSerial, true, "superseded", true), (newSerial, false, "", true)], rows);
        }

        // The old certificate, revoked, and an expired one of the same CA are refused; the running agent is untouched.
        Assert.False(await BrokerAcceptsAsync(rig, exported), "the broker accepted the revoked certificate");
        await rig.Fleet.WaitForLineAsync(l => l.Contains($"certificate {oldSerial} of '{DeviceId}' is revoked", StringComparison.Ordinal), Guard);
        using var expired = ExpiredCertificate(rig.FleetDataDirectory);
        Assert.False(await BrokerAcceptsAsync(rig, expired), "the broker accepted an expired certificate");
        await rig.Fleet.WaitForLineAsync(l => l.Contains("TLS client certificate refused", StringComparison.Ordinal) && l.Contains(DeviceId, StringComparison.Ordinal), Guard);
        Assert.DoesNotContain("Disconnected from MQTT broker", rig.Agent.Output[rig.Agent.Output.IndexOf("Renewed certificate", StringComparison.Ordinal)..], StringComparison.Ordinal);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"renewal time on real processes: {milliseconds:F0} ms; agent restart -> renewed: {(TimeProvider.System.GetUtcNow() - restarted).TotalSeconds:F1} s"));
        await rig.StopAsync();
    }

    private static bool IsDeviceAlert(JsonElement alert) => alert.GetProperty("deviceId").GetString() == DeviceId;

    private static JsonObject Camera()
    {
        var camera = JsonNode.Parse(File.ReadAllText(ReplayRun.SampleCamera), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        camera["cameraId"] = CameraId;
        camera["source"] = TestAssets.DemoClip;

        // The whole frame: someone is nearly always in it, so alerts come soon after a start.
        camera["zones"]![0]!["polygon"] = new JsonArray(new JsonArray(0.0, 0.0), new JsonArray(1.0, 0.0), new JsonArray(1.0, 1.0), new JsonArray(0.0, 1.0));
        return camera;
    }

    // Connects as the device with this certificate (checking the broker's against the fleet CA); true only if the broker accepts.
    private static async Task<bool> BrokerAcceptsAsync(ManagedFleetRig rig, X509Certificate2 certificate)
    {
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(rig.FleetDataDirectory, "trust", "ca.crt")));
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", rig.TlsPort)
            .WithClientId(DeviceId)
            .WithTimeout(TimeSpan.FromSeconds(20))
            .WithTlsOptions(tls => tls.UseTls().WithClientCertificates([certificate]).WithCertificateValidationHandler(e => e.Certificate is not null && IssuedBy(e.Certificate, ca)))
            .Build();
        try
        {
            var result = await client.ConnectAsync(options);
            return result.ResultCode == MqttClientConnectResultCode.Success;
        }
        catch (MqttCommunicationException)
        {
            // Refused during the TLS handshake.
            return false;
        }
    }

    private static bool IssuedBy(X509Certificate certificate, X509Certificate2 ca)
    {
        using var loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(loaded);
    }

    // What a device whose certificate lapsed holds: signed by the fleet CA for this device, expired.
    private static X509Certificate2 ExpiredCertificate(string fleetData)
    {
        using var caKey = ECDsa.Create();
        caKey.ImportFromPem(File.ReadAllText(Path.Combine(fleetData, "trust", "ca.key")));
        using var caPublic = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(fleetData, "trust", "ca.crt")));
        using var ca = caPublic.CopyWithPrivateKey(caKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={DeviceId}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        // Within the CA's own validity (it starts 5 minutes before the fleet first started), ended a minute ago.
        var from = new DateTimeOffset(ca.NotBefore.ToUniversalTime());
        using var signed = request.Create(ca, from, DateTimeOffset.UtcNow.AddMinutes(-1), RandomNumberGenerator.GetBytes(12));
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    [GeneratedRegex(@"Renewed certificate (?<old>[0-9A-F]+): now connected with (?<new>[0-9A-F]+), .*\((?<ms>[0-9]+) ms", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RenewedLine();
}
