using System.CommandLine;
using System.Globalization;
using Vsa.Edge.CommandLine;
using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Onnx;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model manifest --onnx file.onnx --out manifest.json [--model ID]</c>: the manifest for a converted file.</summary>
public sealed class ManifestCommand : IToolCommand
{
    public Command Create(ToolConsole console)
    {
        var onnx = CliOptions.Required("--onnx", "the ONNX file the manifest describes");
        var output = CliOptions.Required("--out", "the manifest to write, next to the ONNX file");
        var ids = PreparedModel.All.Select(m => m.Id).ToArray();
        var modelOption = new Option<PreparedModel>("--model")
        {
            Description = $"which model the ONNX file is [{string.Join("|", ids)}]",
            HelpName = "ID",
            DefaultValueFactory = _ => PreparedModel.NanoDet,
            CustomParser = r =>
            {
                var id = r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty;
                var found = PreparedModel.Find(id);
                if (found is null)
                {
                    r.AddError($"option '--model' must be one of {string.Join(", ", ids)}, not '{id}'");
                }

                return found!;
            },
        };
        modelOption.CompletionSources.Add(ids);
        var version = new Option<string>("--version") { Description = "the manifest's version [default: the model's]", HelpName = "V" };
        var threshold = new Option<float?>("--score-threshold")
        {
            Description = "the decoder's score threshold [default: the model's]",
            HelpName = "T",
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty;
                if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    return value;
                }

                r.AddError($"option '--score-threshold' must be a number, not '{text}'");
                return null;
            },
        };
        return ToolApp.Command("manifest", "write a model's manifest (input, decoding, labels, sha256) for an ONNX file", console, async (result, _) =>
        {
            var model = result.GetRequiredValue(modelOption);
            var path = result.GetRequiredValue(output);
            var manifest = Run(
                model, result.GetRequiredValue(onnx), path, result.GetValue(version) ?? model.Version, result.GetValue(threshold) ?? model.DefaultScoreThreshold);
            await console.Out.WriteLineAsync($"wrote {path} ({manifest.Id} {manifest.Version}, sha256 {manifest.Sha256[..12]}…)");
            return 0;
        }, onnx, output, modelOption, version, threshold);
    }

    /// <summary>Writes the manifest after checking that the ONNX file has the input the manifest promises.</summary>
    internal static ModelManifest Run(PreparedModel model, string onnxPath, string manifestPath, string version, float scoreThreshold)
    {
        var onnxDirectory = Path.GetDirectoryName(Path.GetFullPath(onnxPath));
        if (onnxDirectory != Path.GetDirectoryName(Path.GetFullPath(manifestPath)))
        {
            throw new CliUsageException("the manifest must be written next to the ONNX file (the agent resolves 'file' beside it)");
        }

        var summary = OnnxInspector.Inspect(onnxPath);
        var expected = model.ExpectedInput;
        var actual = summary.Inputs.Count == 1 ? summary.Inputs[0] : null;
        if (actual is null || actual.ToString() != expected.ToString())
        {
            throw new InvalidDataException($"{onnxPath} has inputs [{string.Join("; ", summary.Inputs)}], the {model.Id} manifest describes [{expected}].");
        }

        var manifest = model.CreateManifest(ModelManifestLoader.ComputeSha256(onnxPath), version, scoreThreshold, Path.GetFileName(onnxPath));
        ManifestFile.Write(manifest, manifestPath);
        return manifest;
    }
}
