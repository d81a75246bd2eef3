using System.CommandLine;
using Vsa.Edge.CommandLine;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.Models.Packaging;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model pack</c>: one unsigned package file from a prepared model and validation frames of a clip.</summary>
public sealed class PackCommand : IToolCommand
{
    public Command Create(ToolConsole console)
    {
        var model = CliOptions.Required("--model", "the prepared model's folder (manifest.json and its ONNX file)");
        var version = CliOptions.Required("--version", "the package's version (x.y.z)");
        var output = CliOptions.Required("--out", "the package file to write (.vsamodel)");
        var clip = new Option<string>("--clip") { Description = "the video the validation frames come from [default: <cache>/data/vtest.avi]" };
        var frames = CliDefaults.IntIn("--frames", 8, 1, 64, "validation frames");
        var frameStep = CliDefaults.IntIn("--frame-step", 100, 1, 100_000, "frames between two validation frames");
        var expiresDays = CliDefaults.IntIn("--expires-days", 365, 1, 3650, "days until the package expires");
        var minAgentVersion = new Option<string>("--min-agent-version") { Description = "the oldest agent that may install it", DefaultValueFactory = _ => "1.0.0" };
        var minIou = CliDefaults.NumberIn("--min-iou", 0.7, 0.01, 1, "validation: least IoU between the device's detection and the package's");
        var scoreTolerance = CliDefaults.NumberIn("--score-tolerance", 0.08, 0, 1, "validation: largest score difference");
        var maxExtra = CliDefaults.IntIn("--max-extra", 2, 0, 10_000, "validation: most detections the device may find beyond the package's");
        var minFps = CliDefaults.NumberIn("--min-fps", 0, 0, 10_000, "validation: least frames a second on the device (0: no gate)");
        var expectFrom = new Option<string>("--expect-from") { Description = "compute the expected results with this (good) model's folder: a damaged model's package" };
        var detector = new Option<string>("--detector") { Description = "pose model: the person detector's folder for the validation crops" };
        var persons = CliDefaults.IntIn("--persons", 3, 1, 32, "pose model: person crops per validation frame");
        var maxKeypointDistance = CliDefaults.NumberIn("--max-keypoint-distance", 0.05, 0.001, 1, "pose model: largest keypoint distance (share of the crop)");
        var maxFailedCrops = CliDefaults.IntIn("--max-failed-crops", 0, 0, 10_000, "pose model: crops that may fail validation");
        return ToolApp.Command(
            "pack", "make a model package (model, manifest, metadata, validation set) from a prepared model", console,
            (result, _) => Run(
                new PackRequest(
                    result.GetRequiredValue(model),
                    result.GetValue(clip) ?? Path.Combine(CachePaths.DefaultRoot(), "data", "vtest.avi"),
                    result.GetRequiredValue(version),
                    result.GetValue(frames),
                    result.GetValue(frameStep),
                    TimeSpan.FromDays(result.GetValue(expiresDays)),
                    result.GetRequiredValue(minAgentVersion),
                    (float)result.GetValue(minIou),
                    (float)result.GetValue(scoreTolerance),
                    result.GetValue(maxExtra),
                    result.GetValue(minFps),
                    result.GetValue(expectFrom),
                    result.GetValue(detector),
                    result.GetValue(persons),
                    (float)result.GetValue(maxKeypointDistance),
                    result.GetValue(maxFailedCrops)),
                result.GetRequiredValue(output),
                console),
            model, version, output, clip, frames, frameStep, expiresDays, minAgentVersion, minIou, scoreTolerance, maxExtra, minFps, expectFrom,
            detector, persons, maxKeypointDistance, maxFailedCrops);
    }

    private static async Task<int> Run(PackRequest request, string output, ToolConsole console)
    {
        var start = console.Time.GetTimestamp();
        var temp = output + ".tmp";
        ModelPackageMetadata metadata;
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            metadata = PackageBuilder.Pack(request, stream, console.Time);
        }

        File.Move(temp, output, overwrite: true);
        var detections = metadata.Validation.Frames.Sum(f => f.Detections.Count);
        var provides = metadata.Kind == ModelPackageMetadata.PoseKind
            ? $"{metadata.Validation.Frames.Sum(f => f.Poses?.Count ?? 0)} person crops), {metadata.Keypoints?.Count} keypoints for {string.Join(",", metadata.Events ?? [])}"
            : $"{detections} detections), categories {string.Join(",", metadata.Categories)}";
        await console.Out.WriteLineAsync(
            $"packed {metadata.Kind} {metadata.Id} {metadata.Version}: {new FileInfo(output).Length} bytes, {metadata.Files.Count} files, "
            + $"{metadata.Validation.Frames.Count} validation frames ({provides}, "
            + $"expires {metadata.ExpiresAt:yyyy-MM-dd} ({console.Since(start)}) → {output} (unsigned: run vsa model sign)");
        return 0;
    }
}

/// <summary><c>vsa-model sign</c>: signs a package's metadata with a model-signing key (not the fleet's CA or desired-state key).</summary>
public sealed class SignCommand : IToolCommand
{
    public Command Create(ToolConsole console)
    {
        var package = CliOptions.Required("--package", "the package to sign");
        var key = CliOptions.Required("--key", "the model-signing private key (PEM)");
        var output = new Option<string>("--out") { Description = "the signed package [default: the package, in place]" };
        return ToolApp.Command(
            "sign", "sign a model package with a model-signing key (vsa-model keygen makes one)", console,
            (result, _) => Run(result.GetRequiredValue(package), result.GetRequiredValue(key), result.GetValue(output), console), package, key, output);
    }

    private static async Task<int> Run(string package, string key, string? outputOrNull, ToolConsole console)
    {
        var output = outputOrNull ?? package;
        using var signer = new MessageSigner(ReadKey(key));
        var temp = output + ".tmp";
        ModelPackageMetadata metadata;
        await using (var input = File.OpenRead(package))
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            metadata = PackageSigner.Sign(input, stream, signer);
        }

        File.Move(temp, output, overwrite: true);
        await console.Out.WriteLineAsync($"signed {metadata.Id} {metadata.Version} with key {signer.KeyId} → {output}");
        return 0;
    }

    private static System.Security.Cryptography.ECDsa ReadKey(string path)
    {
        try
        {
            return SigningKeys.ReadPrivateKey(File.ReadAllText(path));
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }
}

/// <summary><c>vsa-model verify</c>: the checks a device makes before it unpacks a package, with the refusal's reason.</summary>
public sealed class VerifyCommand : IToolCommand
{
    public Command Create(ToolConsole console)
    {
        var package = CliOptions.Required("--package", "the package to check");
        var trust = CliOptions.Required("--trust", "the trusted model-signing public key(s) (PEM)");
        var runningId = new Option<string>("--running-id") { Description = "the model the device runs (with --running-version: refuse a downgrade)" };
        var runningVersion = new Option<string>("--running-version") { Description = "the version the device runs" };
        var agentVersion = new Option<string>("--agent-version") { Description = "the agent's version (refuse a package that needs a newer agent)" };
        return ToolApp.Command(
            "verify", "check a package's signature, expiry, version and every file's hash", console,
            (result, _) => Run(
                result.GetRequiredValue(package), result.GetRequiredValue(trust),
                new PackageChecks(console.Time.GetUtcNow(), result.GetValue(agentVersion), result.GetValue(runningId), result.GetValue(runningVersion)), console),
            package, trust, runningId, runningVersion, agentVersion);
    }

    private static async Task<int> Run(string package, string trust, PackageChecks checks, ToolConsole console)
    {
        IReadOnlyList<byte[]> keys;
        try
        {
            keys = SigningKeys.ReadPublicKeys(File.ReadAllText(trust));
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"{trust}: {ex.Message}", ex);
        }

        try
        {
            var verified = ModelPackageVerifier.Verify(package, new SignedMessageVerifier(keys), checks);
            var m = verified.Metadata;
            await console.Out.WriteLineAsync($"ok {m.Id} {m.Version} ({m.Kind}), signed by {verified.KeyId}, {m.Files.Count} files, expires {m.ExpiresAt:O}");
            return 0;
        }
        catch (ModelPackageException ex)
        {
            await console.Error.WriteLineAsync($"error: refused: {ex.Report}");
            return ToolApp.Failed;
        }
    }
}

/// <summary><c>vsa-model keygen</c>: a new model-signing key pair (private key owner-only).</summary>
public sealed class KeygenCommand : IToolCommand
{
    public Command Create(ToolConsole console)
    {
        var output = CliOptions.Required("--out", "the folder to write the key pair in");
        var name = new Option<string>("--name") { Description = "the files' name (a plain file name, no folder)", DefaultValueFactory = _ => "model-signing" };
        name.Validators.Add(r =>
        {
            // The name is joined to --out: "../x" or "/etc/x" would write the key pair outside the folder asked for.
            var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "model-signing";
            if (!IsPlainFileName(text))
            {
                r.AddError($"option '--name' must be a plain file name (no folder, no '/', not '.' or '..'), not '{text}'");
            }
        });
        return ToolApp.Command(
            "keygen", "make a model-signing key pair (ECDSA P-256): <name>.key (owner-only) and <name>.pub.pem", console,
            (result, cancellationToken) => Run(result.GetRequiredValue(output), result.GetRequiredValue(name), console, cancellationToken), output, name);
    }

    internal static bool IsPlainFileName(string name) =>
        name.Length is > 0 and <= 200 && name is not "." and not ".." && Path.GetFileName(name) == name
        && name.IndexOfAny(['/', '\\']) < 0 && !name.Any(char.IsControl);

    private static async Task<int> Run(string directory, string name, ToolConsole console, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var keyPath = Path.Combine(directory, name + ".key");
        if (File.Exists(keyPath))
        {
            throw new IOException($"{keyPath} exists: refusing to overwrite a signing key");
        }

        using var signer = MessageSigner.CreateNew();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(keyPath, options))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(signer.ExportPrivateKeyPem());
        }

        await File.WriteAllTextAsync(Path.Combine(directory, name + ".pub.pem"), signer.PublicKeyPem, cancellationToken);
        await console.Out.WriteLineAsync($"model-signing key {signer.KeyId}: {keyPath} (keep it offline), {Path.Combine(directory, name + ".pub.pem")} (give it to the fleet)");
        return 0;
    }
}

/// <summary><c>vsa-model variant</c>: a second model for rollouts (another version and threshold), or a deliberately broken one.</summary>
public sealed class VariantCommand : IToolCommand
{
    public Command Create(ToolConsole console)
    {
        var model = CliOptions.Required("--model", "the model folder to start from");
        var output = CliOptions.Required("--out", "the new model folder");
        var version = CliOptions.Required("--version", "the new model's version");
        var threshold = CliOptions.NumberIn("--score-threshold", 0.01, 0.99, "the new score threshold [0.01–0.99] [default: the model's]");
        var scramble = new Option<bool>("--scramble-weights") { Description = "scramble the weights (same shapes): a model that must fail validation" };
        return ToolApp.Command(
            "variant", "derive a model folder: new version and score threshold, or scrambled weights (same shapes) for a broken model", console,
            async (result, _) =>
            {
                var (directory, scrambled) = (result.GetRequiredValue(output), result.GetValue(scramble));
                var manifest = ModelVariants.Write(
                    result.GetRequiredValue(model), directory, result.GetRequiredValue(version), (float?)result.GetValue(threshold), scrambled);
                await console.Out.WriteLineAsync($"variant {manifest.Id} {manifest.Version}: threshold {manifest.Output.ScoreThreshold}, sha256 {manifest.Sha256}{(scrambled ? ", weights scrambled" : string.Empty)} → {directory}");
                return 0;
            },
            model, output, version, threshold, scramble);
    }
}
