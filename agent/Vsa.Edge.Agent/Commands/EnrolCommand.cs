using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Contracts.Files;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Commands;

/// <summary>
/// <c>vsa-agent enrol --fleet &lt;url&gt; --token &lt;token&gt; --device-id &lt;id&gt; [--data-dir &lt;dir&gt;]</c>: the device makes its own
/// ECDSA P-256 key (written with mode 0600, never sent), sends a certificate signing request with the single-use token an
/// administrator gave, and stores the certificate the fleet CA signed, with that CA, in <c>{data-dir}/credentials</c>, and
/// the public key(s) the fleet signs desired state with (<see cref="DeviceCredentials.SigningKeysFileName"/>): the agent
/// applies only configurations signed by one of them.
/// </summary>
public static class EnrolCommand
{
    /// <summary>The command line of <c>enrol</c> (the arguments after its name), parsed by the agent's grammar.</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler = null, CancellationToken cancellationToken = default) =>
        AgentCommandLine.InvokeOneAsync(EnrolArguments.Definition((a, ct) => RunAsync(a, stdout, stderr, handler, ct)), args, stdout, stderr, cancellationToken);

    /// <summary>Runs the command; 0 enrolled, 1 refused by the fleet or unreachable, 2 already enrolled.</summary>
    public static async Task<int> RunAsync(EnrolArguments arguments, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var (fleet, token, deviceId) = (arguments.Fleet, arguments.Token, arguments.DeviceId);
        var directory = Path.GetFullPath(Path.Combine(arguments.DataDirectory, "credentials"));
        var keyPath = Path.Combine(directory, DeviceCredentials.KeyFileName);
        if (File.Exists(keyPath))
        {
            await stderr.WriteLineAsync($"error: {keyPath} exists: this device is already enrolled. Remove {directory} to enrol it again (an administrator must revoke the old certificate first).").ConfigureAwait(false);
            return AnalyzeCommand.ExitUsage;
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest($"CN={deviceId}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(30);
        JsonNode answer;
        try
        {
            using var response = await http.PostAsync(new Uri(fleet, "api/enrol"), JsonContent.Create(new JsonObject { ["token"] = token, ["csrPem"] = csr }), cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                await stderr.WriteLineAsync($"error: the fleet refused the enrolment ({(int)response.StatusCode}): {Explain(body)}").ConfigureAwait(false);
                return AnalyzeCommand.ExitFailure;
            }

            answer = JsonNode.Parse(body) ?? throw new JsonException("empty answer");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            await stderr.WriteLineAsync($"error: no enrolment from {fleet}: {ex.Message}").ConfigureAwait(false);
            return AnalyzeCommand.ExitFailure;
        }

        var certificatePem = answer["certificatePem"]?.GetValue<string>() ?? string.Empty;
        var caPem = answer["caCertificatePem"]?.GetValue<string>() ?? string.Empty;
        using (var issued = X509Certificate2.CreateFromPem(certificatePem))
        using (var issuedKey = issued.GetECDsaPublicKey())
        {
            // The fleet must have certified this key for this id, nothing else.
            if (issuedKey is null || !issuedKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo())
                || issued.GetNameInfo(X509NameType.SimpleName, false) != deviceId)
            {
                await stderr.WriteLineAsync("error: the certificate returned is not for this device's key and id; nothing was stored.").ConfigureAwait(false);
                return AnalyzeCommand.ExitFailure;
            }
        }

        if (!TryReadSigningKeys(answer, out var signingKeys, out var keyError))
        {
            await stderr.WriteLineAsync($"error: {keyError}; nothing was stored.").ConfigureAwait(false);
            return AnalyzeCommand.ExitFailure;
        }

        // Optional (fleets before model delivery send none): the keys model packages must be signed with, stored owner-only.
        string? modelKeysPem = null;
        if (answer["modelSigningKeys"] is JsonArray modelKeys)
        {
            try
            {
                // The fleet sends each key as {keyId, algorithm, publicKeyPem} (as its desired-state keys); a bare base64
                // SubjectPublicKeyInfo is taken too.
                modelKeysPem = Models.ModelSigningKeyStore.ToPem([.. modelKeys.SelectMany(k => k is JsonObject view
                    ? SigningKeys.ReadPublicKeys(view["publicKeyPem"]?.GetValue<string>() ?? string.Empty).Select(Convert.ToBase64String)
                    : [k?.GetValue<string>() ?? string.Empty])]);
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                await stderr.WriteLineAsync($"error: {ex.Message}; nothing was stored.").ConfigureAwait(false);
                return AnalyzeCommand.ExitFailure;
            }
        }

        ProtectedFile.CreateDirectory(directory);
        ProtectedFile.Create(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(Path.Combine(directory, DeviceCredentials.CertificateFileName), certificatePem.TrimEnd() + "\n");
        File.WriteAllText(Path.Combine(directory, DeviceCredentials.CaFileName), caPem.TrimEnd() + "\n");
        File.WriteAllText(Path.Combine(directory, DeviceCredentials.SigningKeysFileName), string.Concat(signingKeys.Select(k => SigningKeys.PublicKeyPem(k) + "\n")));
        if (modelKeysPem is not null)
        {
            Models.ModelSigningKeyStore.WriteOwnerOnly(Path.Combine(directory, Models.ModelSigningKeyStore.FileName), modelKeysPem);
        }

        var host = answer["mqtt"]?["host"]?.GetValue<string>() ?? "localhost";
        var port = answer["mqtt"]?["port"]?.GetValue<int>() ?? 8883;
        var settings = new JsonObject { ["Host"] = host, ["Port"] = port, ["CredentialsDirectory"] = directory };
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
            Enrolled {deviceId} (site {answer["site"]?.GetValue<string>()}, certificate valid until {answer["notAfter"]?.GetValue<string>()}).
            Credentials in {directory} (device.key is mode 0600 and never left this device).
            Desired state must be signed by key id {string.Join(", ", signingKeys.Select(k => SigningKeys.KeyId(k)))}.
            Add to the agent configuration (agent.json), with Agent:DeviceId "{deviceId}":
              "Mqtt": {settings.ToJsonString()}
            """)).ConfigureAwait(false);
        return AnalyzeCommand.ExitOk;
    }

    // The fleet's desired-state keys: each PEM must be a P-256 public key whose id is the one announced beside it.
    private static bool TryReadSigningKeys(JsonNode answer, out List<byte[]> keys, out string error)
    {
        keys = [];
        error = string.Empty;
        if (answer["signingKeys"] is not JsonArray listed || listed.Count == 0)
        {
            error = "the fleet gave no desired-state signing key (signingKeys): a fleet manager older than this agent cannot manage it";
            return false;
        }

        foreach (var entry in listed)
        {
            var keyId = entry?["keyId"]?.GetValue<string>();
            try
            {
                var read = SigningKeys.ReadPublicKeys(entry?["publicKeyPem"]?.GetValue<string>() ?? string.Empty);
                if (read.Count != 1 || SigningKeys.KeyId(read[0]) != keyId)
                {
                    error = $"the signing key announced as {keyId} does not have that key id";
                    return false;
                }

                keys.Add(read[0]);
            }
            catch (FormatException ex)
            {
                error = $"the signing key {keyId} is not usable: {ex.Message}";
                return false;
            }
        }

        return true;
    }

    private static string Explain(string body)
    {
        try
        {
            var problem = JsonNode.Parse(body);
            return problem?["detail"]?.GetValue<string>() ?? problem?["title"]?.GetValue<string>() ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
