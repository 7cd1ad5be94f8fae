// npm install's last step: prepares the empty embedded database that a first start copies instead of running initdb; never fails the install.
import { preparePgliteTemplate, TEMPLATE_CACHE_DIR } from '../src/db/pglite-template.ts';

try {
  await preparePgliteTemplate(TEMPLATE_CACHE_DIR, () => console.log(`phone-assistant: preparing the embedded database template in ${TEMPLATE_CACHE_DIR} (a few seconds)`));
} catch (error) {
  // Only a slower first start is lost: the server then initialises its database itself.
  console.warn(`phone-assistant: no embedded database template (${error instanceof Error ? error.message : String(error)}); a first start will take a few seconds longer`);
}
