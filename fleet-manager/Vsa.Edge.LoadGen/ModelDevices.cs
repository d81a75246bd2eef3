using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vsa.Edge.CommandLine;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.LoadGen;

/// <summary>
/// <c>vsa-fleet-loadgen model-devices</c>: simulated devices for rollouts against a running fleet manager. Each is enrolled as
/// a real device is (a single-use token an administrator makes, its own P-256 key, a certificate of the fleet CA), gets one
/// camera without events from the fleet (<c>PUT /api/devices/{id}/config</c>), connects to the embedded broker over mutual
/// TLS, and answers every signed desired state that names another detector with <c>model/reported</c> as an agent does:
/// downloading → verifying → validating → soaking → active, or <c>failed</c> with <c>validation-failed</c> for a version
/// named in <c>--fail-versions</c>; <c>factory</c> puts the installed model back at once. The package is not fetched and no
/// model runs: what is simulated is the device's answers, which is all a rollout's gates read. The administrator's password
/// is the first line of standard input. One line per report on stdout; runs for <c>--seconds</c> (default 600) or until stopped.
/// </summary>
internal static class ModelDevices
{
    private const string ModelId = "nanodet-coco";

    /// <summary>The <c>model-devices</c> sub-command: the administrator's password is read from <paramref name="input"/>.</summary>
    public static Command CreateCommand(TextReader input, TextWriter output)
    {
        var fleet = new Option<Uri>("--fleet")
        {
            Description = "the fleet manager's URL, on this machine (loopback)", Required = true, HelpName = "http URL",
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty;
                if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !uri.IsLoopback)
                {
                    // A bench tool: it enrols simulated devices that report any model active; never against a real fleet.
                    r.AddError($"model-devices: --fleet must be a loopback URL (a test fleet on this machine), not {text}");
                }

                return uri!;
            },
        };
        var admin = CliOptions.Required("--admin", "an administrator's name (the password is the first line of standard input)");
        var devices = LoadGenCommands.Int("--devices", 4, "simulated devices (1–500)");
        var prefix = new Option<string>("--prefix") { Description = "the devices' id prefix", DefaultValueFactory = _ => "sim-" };
        var failVersions = new Option<string>("--fail-versions")
        {
            Description = "versions whose validation fails (comma-separated)", DefaultValueFactory = _ => string.Empty, HelpName = "3.0.0,…",
        };
        var stepMs = LoadGenCommands.Int("--step-ms", 200, "milliseconds between two reports of an update (0–60000)");
        var seconds = LoadGenCommands.Int("--seconds", 600, "seconds before the devices disconnect and the tool ends (1–3600)");
        var command = new Command("model-devices", "simulated devices answering model rollouts, against a running fleet manager on loopback");
        foreach (var option in new Option[] { fleet, admin, devices, prefix, failVersions, stepMs, seconds })
        {
            command.Add(option);
        }

        command.SetAction((result, _) => RunAsync(
            result.GetRequiredValue(fleet),
            result.GetRequiredValue(admin),
            Math.Clamp(result.GetValue(devices), 1, 500),
            result.GetRequiredValue(prefix),
            TimeSpan.FromMilliseconds(Math.Clamp(result.GetValue(stepMs), 0, 60_000)),
            Math.Clamp(result.GetValue(seconds), 1, 3600),
            result.GetRequiredValue(failVersions).Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal),
            input,
            output));
        return command;
    }

    private static async Task<int> RunAsync(
        Uri baseUri, string admin, int count, string prefix, TimeSpan step, int seconds, HashSet<string> failing, TextReader input, TextWriter output)
    {
        var password = await input.ReadLineAsync() ?? string.Empty;
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("Origin", baseUri.GetLeftPart(UriPartial.Authority));
        using (var login = await http.PostAsJsonAsync("/api/auth/login", new { name = admin, password }))
        {
            login.EnsureSuccessStatusCode();
        }

        var devices = new List<SimulatedDevice>();
        try
        {
            for (var i = 1; i <= count; i++)
            {
                devices.Add(await SimulatedDevice.EnrolAsync(http, $"{prefix}{i:D2}", step, failing, line => WriteLine(output, line)));
            }

            await WriteLine(output, $"model-devices ready: {count} devices enrolled, configured and connected ({string.Join(',', devices.Select(d => d.Id))})");

            // Ends after the bound, or when stopped (Ctrl+C, a test's dispose).
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            return 0;
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    private static async Task WriteLine(TextWriter output, string line)
    {
        // Reports come from the MQTT client's threads: one line at a time.
        await Semaphore.WaitAsync();
        try
        {
            await output.WriteLineAsync(line);
            await output.FlushAsync();
        }
        finally
        {
            Semaphore.Release();
        }
    }

    private static readonly SemaphoreSlim Semaphore = new(1, 1);

    /// <summary>One simulated device: its credentials, its MQTT connection, the model it runs.</summary>
    private sealed class SimulatedDevice : IAsyncDisposable
    {
        private readonly IMqttClient _client;
        private readonly SignedMessageVerifier _fleetKeys;
        private readonly TimeSpan _step;
        private readonly HashSet<string> _failing;
        private readonly Func<string, Task> _log;
        private readonly SemaphoreSlim _busy = new(1, 1);
        private (string Version, string? Sha) _active = (DesiredModel.FactoryVersion, null);
        private string? _previous;
        private ModelUpdateReport? _update;

        private SimulatedDevice(string id, IMqttClient client, SignedMessageVerifier fleetKeys, TimeSpan step, HashSet<string> failing, Func<string, Task> log) =>
            (Id, _client, _fleetKeys, _step, _failing, _log) = (id, client, fleetKeys, step, failing, log);

        public string Id { get; }

        public static async Task<SimulatedDevice> EnrolAsync(HttpClient http, string id, TimeSpan step, HashSet<string> failing, Func<string, Task> log)
        {
            using var tokenResponse = await http.PostAsJsonAsync("/api/enrolment-tokens", new { site = "Load generator", validFor = "00:10:00" });
            var token = (string)(await tokenResponse.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!["token"]!;
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var csr = new CertificateRequest($"CN={id}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
            using var enrolResponse = await http.PostAsJsonAsync("/api/enrol", new { token, csrPem = csr });
            var enrolled = (await enrolResponse.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!;

            // SslStream wants a certificate whose key it can use: through PKCS #12, as a stored one would be.
            using var pem = X509Certificate2.CreateFromPem((string)enrolled["certificatePem"]!);
            using var issued = pem.CopyWithPrivateKey(key);
            var certificate = X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
            var ca = X509Certificate2.CreateFromPem((string)enrolled["caCertificatePem"]!);
            var keys = new SignedMessageVerifier(enrolled["signingKeys"]!.AsArray().Select(k => SubjectPublicKeyInfo((string)k!["publicKeyPem"]!)));

            // One camera, no event: the fleet manages the device (a model can be assigned) and no category is in use.
            using var config = await http.PutAsJsonAsync($"/api/devices/{id}/config", new JsonObject
            {
                ["cameras"] = new JsonArray(new JsonObject { ["cameraId"] = "cam-1", ["name"] = "Simulated", ["source"] = "rtsp://192.0.2.1/simulated", ["zones"] = new JsonArray(), ["events"] = new JsonArray() }),
                ["expectedVersion"] = 0,
            });
            if (!config.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"PUT /api/devices/{id}/config: {(int)config.StatusCode} {await config.Content.ReadAsStringAsync()}");
            }

            var mqtt = enrolled["mqtt"]!;
            var client = new MqttClientFactory().CreateMqttClient();
            var device = new SimulatedDevice(id, client, keys, step, failing, log);
            client.ApplicationMessageReceivedAsync += e =>
            {
                var payload = e.ApplicationMessage.Payload.ToArray();
                _ = Task.Run(() => device.OnDesiredAsync(payload));
                return Task.CompletedTask;
            };
            await client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithTcpServer((string)mqtt["host"]!, (int)mqtt["port"]!)
                .WithClientId(id)
                .WithCleanStart(true)
                .WithTlsOptions(tls => tls.UseTls().WithClientCertificates([certificate]).WithCertificateValidationHandler(e => IssuedBy(e.Certificate, ca)))
                .Build());
            await device.ReportAsync();
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.ConfigDesired(id), MqttQualityOfServiceLevel.AtLeastOnce).Build());
            return device;
        }

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }

            _client.Dispose();
            _busy.Dispose();
        }

        private async Task OnDesiredAsync(byte[] payload)
        {
            if (!_fleetKeys.TryVerify(payload, DesiredConfigMessage.SchemaId, out var verified, out var error))
            {
                await _log($"{Id} refused a desired state: {error}");
                return;
            }

            var desired = JsonSerializer.Deserialize(verified.Payload, ContractsJsonContext.Default.DesiredConfigMessage);
            if (desired?.Models?.FirstOrDefault(m => m.Kind == "detector") is not { } model)
            {
                return;
            }

            await _busy.WaitAsync();
            try
            {
                await ApplyAsync(model);
            }
            finally
            {
                _busy.Release();
            }
        }

        private async Task ApplyAsync(DesiredModel model)
        {
            if (model.Version == _active.Version && (model.Version == DesiredModel.FactoryVersion || model.Sha256 == _active.Sha))
            {
                return; // Already runs (the retained desired state delivered again).
            }

            if (model.Version == DesiredModel.FactoryVersion)
            {
                (_previous, _active) = (_active.Version, (DesiredModel.FactoryVersion, null));
                await StepAsync(model, ModelUpdateState.Active, null);
                return;
            }

            foreach (var state in new[] { ModelUpdateState.Downloading, ModelUpdateState.Verifying, ModelUpdateState.Validating })
            {
                await StepAsync(model, state, null);
                await Task.Delay(_step);
            }

            if (_failing.Contains(model.Version))
            {
                await StepAsync(model, ModelUpdateState.Failed, "validation-failed: simulated: frame 0: person at IoU 0.31 < 0.7");
                return;
            }

            (_previous, _active) = (_active.Version, (model.Version, model.Sha256));
            await StepAsync(model, ModelUpdateState.Soaking, null);
            await Task.Delay(_step);
            await StepAsync(model, ModelUpdateState.Active, null);
        }

        private async Task StepAsync(DesiredModel model, ModelUpdateState state, string? reason)
        {
            _update = new ModelUpdateReport(model.Id, model.Version, model.Sha256, state, reason, TimeProvider.System.GetUtcNow(), model.RolloutId);
            await ReportAsync();
            await _log(string.Create(CultureInfo.InvariantCulture, $"{Id} {model.Version} {JsonSerializer.Serialize(state, ContractsJsonContext.Default.ModelUpdateState).Trim('"')}{(reason is null ? string.Empty : $": {reason}")} (active {_active.Version})"));
        }

        private async Task ReportAsync()
        {
            var report = new ModelReportedMessage(ModelReportedMessage.SchemaId, ModelReportedMessage.CurrentVersion, Id, TimeProvider.System.GetUtcNow(),
                [new ModelSlotReport("detector", ModelId, _active.Version, _active.Sha, _previous, _update)]);
            await _client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(Topics.ModelReported(Id))
                .WithPayload(JsonSerializer.SerializeToUtf8Bytes(report, ContractsJsonContext.Default.ModelReportedMessage))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag()
                .Build());
        }

        private static byte[] SubjectPublicKeyInfo(string pem)
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            return key.ExportSubjectPublicKeyInfo();
        }

        private static bool IssuedBy(X509Certificate? certificate, X509Certificate2 ca)
        {
            if (certificate is null)
            {
                return false;
            }

            using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(server);
        }
    }
}
