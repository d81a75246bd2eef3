using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.ModelUpdates;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using static Vsa.Edge.FleetManager.Tests.DeviceConfigs.ConfigTestClient;

namespace Vsa.Edge.FleetManager.Tests.ModelUpdates;

/// <summary>
/// A pose package goes through the same assignment as a detector: its kind in the desired state, and refused before
/// anything is sent when it lacks a keypoint (or the event) an enabled person_down camera of the device uses.
/// </summary>
public sealed class PoseModelAssignmentTests(ModelPackageSamples packages) : IClassFixture<ModelPackageSamples>
{
    private static readonly byte[] Frame = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private static readonly string[] Coco =
    [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
        "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ];

    [Fact]
    public async Task Assign_PosePackageLackingKeypointsPersonDownUses_RefusedBeforeAnythingIsSentThenAssignedAndBackToFactory()
    {
        await using var fleet = await FleetApp.StartAsync(packages.Settings(), waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await ModelDeliveryTests.ConfiguredDeviceAsync(fleet, admin, "pole-12", eventType: "person_down");
        var upperBody = await ModelApi.UploadOkAsync(admin, WritePose("2.0.0", [.. Coco.Take(13)], ["person_down"]));
        var noEvent = await ModelApi.UploadOkAsync(admin, WritePose("3.0.0", Coco, []));
        var full = await ModelApi.UploadOkAsync(admin, WritePose("4.0.0", Coco, ["person_down"]));

        var lacking = await RefusalAsync(admin, "pole-12", upperBody.Sha256);
        var unserved = await RefusalAsync(admin, "pole-12", noEvent.Sha256);
        var before = await GetConfigAsync(admin, "pole-12");
        var assigned = await admin.PutAsJsonAsync("/api/devices/pole-12/model", new ModelAssignmentRequest(full.Sha256), ModelJsonContext.Default.ModelAssignmentRequest);
        var view = (await admin.GetFromJsonAsync("/api/devices/pole-12/models", ModelJsonContext.Default.DeviceModelsView))!;
        var back = await admin.PutAsJsonAsync("/api/devices/pole-12/model", new ModelAssignmentRequest(null, Factory: true, Kind: "pose"), ModelJsonContext.Default.ModelAssignmentRequest);
        var afterBack = (await admin.GetFromJsonAsync("/api/devices/pole-12/models", ModelJsonContext.Default.DeviceModelsView))!;

        Assert.Equal(
            "device 'pole-12': pose model movenet-lightning 2.0.0 lacks what an event in use needs: event 'person_down' on camera 'cam-1' needs keypoints "
            + "'left_knee', 'right_knee', 'left_ankle', 'right_ankle' (it provides 13 keypoints, events: person_down)",
            lacking);
        Assert.Contains("event 'person_down' on camera 'cam-1' is not among the events it serves", unserved, StringComparison.Ordinal);
        Assert.Equal(1L, before.Desired!.Version);
        Assert.True(assigned.IsSuccessStatusCode, await assigned.Content.ReadAsStringAsync());
        var desired = Assert.Single(view.Desired);
        Assert.Equal(("pose", "movenet-lightning", "4.0.0", full.Sha256), (desired.Kind, desired.Id, desired.Version, desired.Sha256));
        Assert.Equal(2L, view.DesiredVersion);
        Assert.True(back.IsSuccessStatusCode, await back.Content.ReadAsStringAsync());
        Assert.Equal(("pose", "movenet-lightning", DesiredModel.FactoryVersion, 3L), (afterBack.Desired.Single().Kind, afterBack.Desired.Single().Id, afterBack.Desired.Single().Version, afterBack.DesiredVersion));
    }

    [Fact]
    public void Missing_PoseModelForCamerasWithoutPersonDown_NothingToCheck()
    {
        var metadata = ModelPackageVerifier.Parse(File.ReadAllBytes(WriteMetadataOnly([.. Coco.Take(5)], [])));

        Assert.Null(PoseModelCheck.Missing(metadata, [DeviceConfigs.ConfigSamples.Camera(eventType: "intrusion")]));
        Assert.NotNull(PoseModelCheck.Missing(metadata, [DeviceConfigs.ConfigSamples.Camera(eventType: "person_down")]));
        Assert.Subset(Coco.ToHashSet(), PoseRequirements.UsedKeypoints.ToHashSet());
    }

    private static async Task<string> RefusalAsync(HttpClient admin, string deviceId, string sha256)
    {
        var response = await admin.PutAsJsonAsync($"/api/devices/{deviceId}/model", new ModelAssignmentRequest(sha256), ModelJsonContext.Default.ModelAssignmentRequest);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
    }

    private static ModelPackageMetadata Metadata(string version, IReadOnlyList<string> keypoints, IReadOnlyList<string> events, byte[] manifest, byte[] onnx)
    {
        var created = DateTimeOffset.UtcNow.AddMinutes(-5);
        var pose = new ExpectedPose(0.4f, 0.2f, 0.1f, 0.4f, [.. Enumerable.Repeat(0.5f, keypoints.Count * 3)]);
        return new ModelPackageMetadata(
            ModelPackageMetadata.SchemaId, ModelPackageMetadata.CurrentVersion, "movenet-lightning", version, ModelPackageMetadata.PoseKind,
            [
                new PackagedFile(ModelPackageFormat.ManifestFile, manifest.Length, Sha(manifest)),
                new PackagedFile("movenet.onnx", onnx.Length, Sha(onnx)),
                new PackagedFile("validation/frame-000.png", Frame.Length, Sha(Frame)),
            ],
            [], "1.0.0", created, created + TimeSpan.FromDays(30),
            new ValidationSet(0.3f, 0.7f, 0.08f, 0, 0, [new ValidationFrame("validation/frame-000.png", 0, [], [pose])], new PoseTolerance(0.05f, 0.08f, 0.3f, 0)),
            keypoints,
            events);
    }

    // The fleet stores and checks a package; it never runs its model: a few bytes stand for the ONNX file.
    private string WritePose(string version, IReadOnlyList<string> keypoints, IReadOnlyList<string> events)
    {
        byte[] manifest = "{\"id\":\"movenet-lightning\"}"u8.ToArray(), onnx = [1, 2, 3, 4];
        var metadata = Metadata(version, keypoints, events, manifest, onnx);
        var path = Path.Combine(packages.Root, $"pose-{version}-{Guid.NewGuid():n}.vsamodel");
        var signed = packages.Signer.SignToJson(ModelPackageMetadata.SchemaId, ModelPackageFormat.SerializeMetadata(metadata));
        using var output = File.Create(path);
        ModelPackageFormat.Write(output, ModelPackageFormat.MetadataEntry, signed, metadata, file => file switch
        {
            ModelPackageFormat.ManifestFile => new MemoryStream(manifest),
            "movenet.onnx" => new MemoryStream(onnx),
            _ => new MemoryStream(Frame),
        });
        return path;
    }

    private string WriteMetadataOnly(IReadOnlyList<string> keypoints, IReadOnlyList<string> events)
    {
        var path = Path.Combine(packages.Root, $"pose-metadata-{Guid.NewGuid():n}.json");
        File.WriteAllBytes(path, ModelPackageFormat.SerializeMetadata(Metadata("1.0.0", keypoints, events, [1], [2])));
        return path;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
