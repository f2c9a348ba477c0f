package io.mjtracker.simulator;

/** The field set a task is rendered with, after the provider documents in shared/seeds. */
public enum Dialect {
    /** CometAPI: integer button type/style, botType, videoUrl, properties.finalPrompt. */
    COMET,
    /** The apidoc reseller dialect: string button type/style, empty properties, state. */
    APIDOC,
    /** The new-api gateway dialect: integer buttons, no videoUrl or properties. */
    NEWAPI,
    /** A fork that adds fields nobody documents: imageUrls, videoUrls, seed, parentId, isCompleted. */
    FORK
}
